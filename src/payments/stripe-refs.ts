import type { SubscriptionStatus } from './subscription.entity';

/** Statuses after which a subscription never comes back (its monthly credits end with it). */
export const ENDED: SubscriptionStatus[] = ['canceled', 'incomplete_expired'];

/** Stripe's unix seconds as a Date (null stays null). */
export const toDate = (s: number | null | undefined): Date | null => (s ? new Date(s * 1000) : null);

/** The id of an expandable Stripe reference (an id string or the expanded object). */
export const refId = (ref: string | { id: string } | null | undefined): string | null =>
  ref == null ? null : typeof ref === 'string' ? ref : ref.id;
