import type { SubscriptionStatus } from './subscription.entity';

/** Statuses after which a subscription never comes back (its monthly credits end with it). */
export const ENDED: SubscriptionStatus[] = ['canceled', 'incomplete_expired'];

/** Stripe's unix seconds as a Date (null stays null). */
export const toDate = (s: number | null | undefined): Date | null => (s ? new Date(s * 1000) : null);

/** One helper for Stripe's expandable references, shared with plans and webhooks. */
export { refId } from '../stripe/stripe-refs';

/**
 * A subscription's plan item: the first item whose price is not metered (a plan with overage also carries its
 * metered overage price as a second item, which bills usage and is not the plan).
 */
export function planItem<I extends { price: { recurring: { usage_type: string } | null } }>(sub: {
  items: { data: I[] };
}): I | undefined {
  return sub.items.data.find((i) => i.price.recurring?.usage_type !== 'metered') ?? sub.items.data[0];
}
