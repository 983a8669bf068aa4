import type Stripe from 'stripe';
import type { CatalogItemBase, CatalogPackage, CatalogPlan, TaxBehavior } from './catalog-file';
import { encodeLimits, FEATURE_LIMITS_METADATA_KEY } from './plan-features';

/** Pure rules of `catalog:push`: what Stripe should hold for a catalog item, and whether it already does. */

export type Item = { kind: 'plan'; spec: CatalogPlan } | { kind: 'package'; spec: CatalogPackage };

/** Stripe metadata is string → string. */
export function metadataFor(
  item: Item,
  version: number,
): { product: Record<string, string>; price: Record<string, string> } {
  const s: CatalogItemBase = item.spec;
  const credits: Record<string, string> =
    item.kind === 'plan'
      ? {
          monthly_uses: String(item.spec.monthly_uses),
          trial_days: String(item.spec.trial_days),
          full_plan_name: item.spec.full_plan_name,
          full_price_name: item.spec.full_price_name,
        }
      : {
          credits: String(item.spec.credits),
          ...(item.spec.expires_in_days ? { expires_in_days: String(item.spec.expires_in_days) } : {}),
        };
  const shared = { kind: item.kind, display_order: String(s.display_order), ...credits };
  const limits = item.kind === 'plan' ? encodeLimits(item.spec.features ?? {}) : '';
  return {
    product: {
      ...shared,
      catalog_key: s.lookup_key,
      catalog_version: String(version),
      ...(limits ? { [FEATURE_LIMITS_METADATA_KEY]: limits } : {}),
    },
    price: { ...shared, catalog_key: s.lookup_key },
  };
}

export const otherAmounts = (s: CatalogItemBase): Record<string, number> =>
  Object.fromEntries(Object.entries(s.amounts).filter(([c]) => c !== s.currency));

/** Does the (immutable) money side of an existing price match the catalog item? */
export function sameMoney(price: Stripe.Price, item: Item): boolean {
  const s = item.spec;
  if (price.currency !== s.currency || price.unit_amount !== s.amounts[s.currency]) return false;
  if (price.billing_scheme !== 'per_unit') return false;
  if (item.kind === 'plan') {
    if (price.recurring?.interval !== item.spec.interval) return false;
    if (price.recurring.interval_count !== item.spec.interval_count) return false;
  } else if (price.recurring) return false;
  const want = otherAmounts(s);
  const have: Record<string, number> = {};
  for (const [c, o] of Object.entries(price.currency_options ?? {})) {
    if (c !== price.currency && typeof o?.unit_amount === 'number') have[c] = o.unit_amount;
  }
  const keys = new Set([...Object.keys(want), ...Object.keys(have)]);
  return [...keys].every((c) => want[c] === have[c]);
}

/** Stripe keeps every key it ever saw; "" deletes one. Returns the update needed, or undefined. */
export function metadataPatch(
  have: Stripe.Metadata,
  want: Record<string, string>,
  owned: Set<string>,
): Record<string, string> | undefined {
  const patch: Record<string, string> = {};
  for (const [k, v] of Object.entries(want)) if (have[k] !== v) patch[k] = v;
  for (const k of Object.keys(have)) if (owned.has(k) && !(k in want)) patch[k] = '';
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** The metadata keys a push manages (others, set by hand in the dashboard, are left alone). */
export const OWNED_KEYS = new Set([
  'kind',
  'display_order',
  'monthly_uses',
  'trial_days',
  'full_plan_name',
  'full_price_name',
  'credits',
  'expires_in_days',
  'catalog_key',
  'catalog_version',
  'overage_cap',
  'overage_per_credits',
  'overage_event_name',
  FEATURE_LIMITS_METADATA_KEY,
]);

/** A feature's display name in Stripe, from its key: `api_access` → "Api access". */
export const featureName = (key: string): string => {
  const words = key.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** A catalog item's tax behavior (exclusive unless it says inclusive). */
export const taxBehaviorOf = (s: CatalogItemBase): TaxBehavior => s.tax_behavior ?? 'exclusive';

/**
 * Stripe lets a price's `tax_behavior` be set once (from `unspecified`) and never changed: 'set' means update in
 * place, 'reprice' means a new price must take over, undefined means it already matches.
 */
export function taxBehaviorChange(price: Stripe.Price, s: CatalogItemBase): 'set' | 'reprice' | undefined {
  const want = taxBehaviorOf(s);
  if (price.tax_behavior === want) return undefined;
  return !price.tax_behavior || price.tax_behavior === 'unspecified' ? 'set' : 'reprice';
}
