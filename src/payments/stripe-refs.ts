import type { SubscriptionStatus } from './subscription.entity';

/** Statuses after which a subscription never comes back (its monthly credits end with it). */
export const ENDED: SubscriptionStatus[] = ['canceled', 'incomplete_expired'];

/** Stripe's unix seconds as a Date (null stays null). */
export const toDate = (s: number | null | undefined): Date | null => (s ? new Date(s * 1000) : null);

/** One helper for Stripe's expandable references, shared with plans and webhooks. */
export { refId } from '../stripe/stripe-refs';
