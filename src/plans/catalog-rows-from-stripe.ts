import type Stripe from 'stripe';
import { formatMinorUnits } from '../common/money';
import { refId } from '../stripe/stripe-refs';
import type { FreePlan } from './free-plan.entity';
import type { CreditPackage } from './credit-package.entity';
import type { Plan, PlanOverage } from './plan.entity';
import {
  canonicalFeatures,
  decodeLimits,
  FEATURE_LIMITS_METADATA_KEY,
  type PlanFeatures,
} from './plan-features';

type Stored = 'id' | 'createdAt' | 'updatedAt';
export type PlanRow = Omit<Plan, Stored>;
export type PackageRow = Omit<CreditPackage, Stored>;
export type FreePlanRow = Omit<FreePlan, 'createdAt' | 'updatedAt'>;

/** product id → the lookup keys of the active Entitlements features attached to it. */
export type ProductFlags = ReadonlyMap<string, readonly string[]>;

export interface SkippedPrice {
  price_id: string;
  product_id: string;
  reason: string;
}

/** What Stripe says the catalog is, as table rows. At most one active row per product and per name. */
export interface CatalogRows {
  plans: PlanRow[];
  packages: PackageRow[];
  freePlans: FreePlanRow[];
  skipped: SkippedPrice[];
}

/** Trial length when neither metadata.trial_days nor the price's trial_period_days says otherwise (the spec's 14). */
export const DEFAULT_TRIAL_DAYS = 14;

const count = (raw: string | undefined): number | undefined =>
  raw !== undefined && /^\d{1,9}$/.test(raw.trim()) ? Number(raw.trim()) : undefined;

type Kind = 'plan' | 'package';

/** A product's features: its attached flags (true) plus the limits in its metadata. */
function featuresOf(product: Stripe.Product, flags: ProductFlags): PlanFeatures {
  const features: PlanFeatures = { ...decodeLimits(product.metadata[FEATURE_LIMITS_METADATA_KEY]) };
  for (const key of flags.get(product.id) ?? []) features[key] = true;
  return canonicalFeatures(features);
}

/** Products that carry features Tollgate reads back: plans and the free plan. */
export const hasFeatures = (product: Stripe.Product): boolean =>
  product.metadata.kind === 'plan' ||
  product.metadata.kind === 'free_plan' ||
  product.metadata.monthly_uses !== undefined;

function kindOf(meta: Record<string, string>): Kind | undefined {
  if (meta.kind === 'plan' || meta.kind === 'package') return meta.kind;
  if (meta.monthly_uses !== undefined) return 'plan';
  if (meta.credits !== undefined || meta.uses_amount !== undefined) return 'package';
  return undefined;
}

function currencyOptions(price: Stripe.Price): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [currency, option] of Object.entries(price.currency_options ?? {})) {
    const c = currency.toLowerCase();
    if (c !== price.currency && typeof option?.unit_amount === 'number') out[c] = option.unit_amount;
  }
  return out;
}

interface Candidate {
  kind: Kind;
  row: PlanRow | PackageRow;
  sellable: boolean;
  created: number;
  productCreated: number;
}

/** One price → a row, or the reason it cannot be one. Pure: Stripe objects in, rows out. */
function toCandidate(product: Stripe.Product, price: Stripe.Price, flags: ProductFlags): Candidate | string {
  const meta: Record<string, string> = { ...product.metadata, ...price.metadata };
  const kind = kindOf(meta);
  if (!kind) return 'no Tollgate metadata (kind, monthly_uses or credits)';
  if (price.unit_amount === null || price.billing_scheme !== 'per_unit') {
    return 'only fixed per-unit prices are supported (no tiered or customer-chosen amounts)';
  }
  const common = {
    productName: product.name,
    productId: product.id,
    priceId: price.id,
    price: formatMinorUnits(price.unit_amount, price.currency),
    description: product.description ?? '',
    unitAmount: price.unit_amount,
    currency: price.currency.toLowerCase(),
    currencyOptions: currencyOptions(price),
    active: false,
    displayOrder: count(meta.display_order) ?? 0,
    lookupKey: price.lookup_key,
    taxBehavior: price.tax_behavior ?? 'unspecified',
    taxCode: refId(product.tax_code) ?? null,
  };
  const sellable = product.active && price.active;
  const base = { sellable, created: price.created, productCreated: product.created };
  if (kind === 'plan') {
    if (!price.recurring) return 'a plan (metadata.kind=plan) needs a recurring price';
    const row: PlanRow = {
      ...common,
      fullPlanName: meta.full_plan_name ?? product.name,
      fullPriceName: meta.full_price_name ?? price.nickname ?? '',
      monthlyUses: count(meta.monthly_uses) ?? 0,
      interval: price.recurring.interval,
      intervalCount: price.recurring.interval_count,
      trialDays: count(meta.trial_days) ?? price.recurring.trial_period_days ?? DEFAULT_TRIAL_DAYS,
      features: featuresOf(product, flags),
      overage: null, // set from the product's overage price (overagesByProduct)
    };
    return { kind, row, ...base };
  }
  if (price.recurring) return 'a credit package (metadata.kind=package) needs a one-time price';
  const credits = count(meta.credits ?? meta.uses_amount);
  if (!credits) return 'a credit package needs metadata.credits, a positive integer';
  const expiresInDays = count(meta.expires_in_days) || null;
  return { kind, row: { ...common, usesAmount: credits, expiresInDays }, ...base };
}

/**
 * The overage of each plan product: its active metered price tagged `kind=overage` (the newest if several), with
 * the cap and event name from its metadata and the per-credit price in every currency it is sold in.
 */
function overagesByProduct(prices: readonly Stripe.Price[]): Map<string, PlanOverage> {
  const out = new Map<string, { created: number; overage: PlanOverage }>();
  for (const price of prices) {
    const meta = price.metadata;
    const cap = count(meta.overage_cap);
    if (meta.kind !== 'overage' || !price.active || !cap || !meta.overage_event_name) continue;
    if (price.recurring?.usage_type !== 'metered' || price.unit_amount_decimal === null) continue;
    const productId = refId(price.product) ?? '';
    const decimals: Record<string, string> = { [price.currency]: String(price.unit_amount_decimal) };
    for (const [c, o] of Object.entries(price.currency_options ?? {}))
      if (o?.unit_amount_decimal != null) decimals[c.toLowerCase()] = String(o.unit_amount_decimal);
    const current = out.get(productId);
    if (current && current.created >= price.created) continue;
    out.set(productId, {
      created: price.created,
      overage: {
        price_id: price.id,
        event_name: meta.overage_event_name,
        cap,
        unit_amount_decimal: decimals,
      },
    });
  }
  return new Map([...out].map(([k, v]) => [k, v.overage]));
}

/**
 * Maps Stripe products and prices (any state) to plan and package rows. Every Tollgate price becomes a row, so
 * archived prices stay resolvable; a product sells exactly one price: its `default_price` when that is active,
 * else its newest active price. Names stay unique among sellable rows (the older product keeps the name).
 */
export function buildCatalogRows(
  products: readonly Stripe.Product[],
  prices: readonly Stripe.Price[],
  flags: ProductFlags = new Map(),
): CatalogRows {
  const byId = new Map(products.map((p) => [p.id, p]));
  const skipped: SkippedPrice[] = [];
  const candidates: Candidate[] = [];
  const overages = overagesByProduct(prices);
  for (const price of prices) {
    if (price.metadata.kind === 'overage') continue;
    const productId = refId(price.product) ?? '';
    const product = byId.get(productId);
    const result = product ? toCandidate(product, price, flags) : 'its product no longer exists';
    if (typeof result === 'string') {
      if (price.active) skipped.push({ price_id: price.id, product_id: productId, reason: result });
    } else candidates.push(result);
  }

  // One sellable price per product: the product's default_price if sellable, else the newest.
  const outranks = (a: Candidate, b: Candidate): boolean => {
    const preferred = refId(byId.get(a.row.productId)?.default_price);
    const aDefault = a.row.priceId === preferred;
    if (aDefault !== (b.row.priceId === preferred)) return aDefault;
    return a.created !== b.created ? a.created > b.created : a.row.priceId > b.row.priceId;
  };
  const chosen = new Map<string, Candidate>();
  for (const c of candidates.filter((x) => x.sellable)) {
    const key = `${c.kind}:${c.row.productId}`;
    const current = chosen.get(key);
    if (!current || outranks(c, current)) chosen.set(key, c);
  }

  // Unique names among what is for sale, per table.
  const winners = [...chosen.values()].sort(
    (a, b) => a.productCreated - b.productCreated || a.row.productId.localeCompare(b.row.productId),
  );
  const names = new Set<string>();
  for (const c of winners) {
    const key = `${c.kind}:${c.row.productName}`;
    if (names.has(key)) {
      skipped.push({
        price_id: c.row.priceId,
        product_id: c.row.productId,
        reason: `another active ${c.kind} is already named "${c.row.productName}"`,
      });
      continue;
    }
    names.add(key);
    c.row.active = true;
  }

  return {
    plans: candidates
      .filter((c) => c.kind === 'plan')
      .map((c) => ({ ...(c.row as PlanRow), overage: overages.get(c.row.productId) ?? null })),
    packages: candidates.filter((c) => c.kind === 'package').map((c) => c.row as PackageRow),
    freePlans: products
      .filter((p) => p.metadata.kind === 'free_plan')
      .map((p) => ({
        productId: p.id,
        lookupKey: p.metadata.catalog_key ?? null,
        name: p.name,
        features: featuresOf(p, flags),
        active: p.active,
      })),
    skipped,
  };
}
