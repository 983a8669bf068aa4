import type Stripe from 'stripe';
import type { SubscriptionChange, SubscriptionState } from '../common/facts';
import { ENDED, planItem, refId, toDate } from './stripe-refs';
import type { SubscriptionStatus } from './subscription.entity';

/** The `subscriptions` row a Stripe read becomes (before the database adds past_due_since). */
export interface MirrorRow extends SubscriptionState {
  id: string;
  userId: string;
  customerId: string;
  trialStart: Date | null;
  stripeVersion: number;
}

/** A Stripe subscription as the mirror stores it: the first item's price and periods (pure). */
export function mirrorRow(
  s: Stripe.Subscription,
  ctx: { userId: string; planId: number | null; version: number },
): MirrorRow {
  const item = planItem(s);
  return {
    id: s.id,
    userId: ctx.userId,
    customerId: refId(s.customer)!,
    status: s.status,
    planId: ctx.planId,
    priceId: item?.price?.id ?? null,
    currency: s.currency,
    currentPeriodStart: toDate(item?.current_period_start),
    currentPeriodEnd: toDate(item?.current_period_end),
    trialStart: toDate(s.trial_start),
    trialEnd: toDate(s.trial_end),
    cancelAtPeriodEnd: s.cancel_at_period_end,
    cancelAt: toDate(s.cancel_at),
    canceledAt: toDate(s.canceled_at),
    endedAt: toDate(s.ended_at),
    stripeVersion: ctx.version,
  };
}

const FIELDS: Array<keyof SubscriptionState> = [
  'status',
  'planId',
  'priceId',
  'currency',
  'cancelAtPeriodEnd',
  'cancelAt',
  'canceledAt',
  'endedAt',
  'currentPeriodStart',
  'currentPeriodEnd',
  'trialEnd',
];

const sameValue = (a: unknown, b: unknown): boolean =>
  a instanceof Date || b instanceof Date
    ? (a ? new Date(a as Date).getTime() : null) === (b ? new Date(b as Date).getTime() : null)
    : a === b;

const ended = (status: string) => ENDED.includes(status as SubscriptionStatus);

/**
 * What a write of the mirror changed (pure): created when there was no row, canceled when it just ended,
 * updated when a reported field changed, null otherwise (a re-read that changed nothing a receiver sees).
 */
export function subscriptionChange(
  before: SubscriptionState | null,
  after: SubscriptionState,
): SubscriptionChange | null {
  if (!before) return { kind: 'created', changedFields: [] };
  const changedFields = FIELDS.filter((k) => !sameValue(before[k], after[k]));
  if (ended(after.status) && !ended(before.status)) return { kind: 'canceled', changedFields };
  return changedFields.length > 0 ? { kind: 'updated', changedFields } : null;
}
