import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import type { Ctx } from '../ctx';
import { idOf } from '../ids';
import type { Obj } from '../types';

export type Feature = Obj<Stripe.Entitlements.Feature>;

/** One feature attached to a product (kept in internal state: product_feature objects belong to a product). */
export interface ProductFeatureLink {
  id: string;
  feature: string;
}

/** Subscription statuses whose products' features are active entitlements in the emulator. */
const ENTITLED_STATUSES = ['trialing', 'active', 'past_due'];

export const productFeatureLinks = (ctx: Ctx, productId: string): ProductFeatureLink[] =>
  (ctx.store.internal.productFeatures[productId] ??= []);

/** A product_feature as the API returns it (the feature expanded, as Stripe does). */
export function productFeatureObject(ctx: Ctx, link: ProductFeatureLink): Stripe.ProductFeature {
  return {
    id: link.id,
    object: 'product_feature',
    entitlement_feature: ctx.store.get<Stripe.Entitlements.Feature>(link.feature)!,
    livemode: false,
  };
}

/** The customer's active entitlements: every active feature of every product of an entitled subscription. */
export function activeEntitlements(ctx: Ctx, customerId: string): Stripe.Entitlements.ActiveEntitlement[] {
  const features = new Map<string, Feature>();
  const subs = ctx.store.all<Obj<Stripe.Subscription>>(
    'subscription',
    (s) => s.customer === customerId && ENTITLED_STATUSES.includes(s.status ?? ''),
  );
  for (const sub of subs) {
    for (const item of sub.items?.data ?? []) {
      const productId = idOf(item.price?.product);
      if (!productId) continue;
      for (const link of productFeatureLinks(ctx, productId)) {
        const feature = ctx.store.get<Feature>(link.feature);
        if (feature?.active) features.set(feature.id, feature);
      }
    }
  }
  return [...features.values()]
    .sort((a, b) => (a.lookup_key ?? '').localeCompare(b.lookup_key ?? ''))
    .map((f) => ({
      id: `ent_test_${createHash('sha256').update(`${customerId}:${f.id}`).digest('hex').slice(0, 24)}`,
      object: 'entitlements.active_entitlement',
      feature: f.id,
      livemode: false,
      lookup_key: f.lookup_key!,
    }));
}

/**
 * Emits `entitlements.active_entitlement_summary.updated` when the customer's set of active entitlements differs
 * from the last one announced (called after every subscription event and product feature change).
 */
export function refreshEntitlementSummary(ctx: Ctx, customerId: string | undefined): void {
  if (!customerId) return;
  const entitlements = activeEntitlements(ctx, customerId);
  const key = entitlements.map((e) => e.lookup_key).join(',');
  const summaries = ctx.store.internal.entitlementSummaries;
  if ((summaries[customerId] ?? '') === key) return;
  summaries[customerId] = key;
  const summary = {
    id: customerId,
    object: 'entitlements.active_entitlement_summary',
    customer: customerId,
    entitlements: {
      object: 'list',
      data: entitlements,
      has_more: false,
      url: '/v1/entitlements/active_entitlements',
    },
    livemode: false,
  };
  ctx.events.emit('entitlements.active_entitlement_summary.updated', summary);
}

/** After a product's features change: every customer subscribed to it may see a new summary. */
export function refreshProductCustomers(ctx: Ctx, productId: string): void {
  const customers = new Set<string>();
  for (const sub of ctx.store.all<Obj<Stripe.Subscription>>('subscription')) {
    const onProduct = (sub.items?.data ?? []).some((i) => idOf(i.price?.product) === productId);
    if (onProduct && typeof sub.customer === 'string') customers.add(sub.customer);
  }
  for (const c of customers) refreshEntitlementSummary(ctx, c);
}
