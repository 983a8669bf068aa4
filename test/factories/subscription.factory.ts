import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';

export interface SubscriptionFields {
  id?: string;
  customer: string;
  userId?: string;
  priceId: string;
  status?: Stripe.Subscription.Status;
  /** Unix seconds; the period is 30 days long. */
  periodStart?: number;
  trialEnd?: number | null;
  cancelAtPeriodEnd?: boolean;
}

const DAY = 86_400;

/** A Stripe subscription object, shaped as the API returns it (the fields Tollgate reads). */
export function stripeSubscription(f: SubscriptionFields): Stripe.Subscription {
  const start = f.periodStart ?? Math.floor(Date.now() / 1000);
  const id = f.id ?? `sub_${randomBytes(6).toString('hex')}`;
  return {
    id,
    object: 'subscription',
    customer: f.customer,
    status: f.status ?? 'active',
    currency: 'usd',
    metadata: f.userId ? { user_id: f.userId } : {},
    items: {
      object: 'list',
      data: [
        {
          id: `si_${id}`,
          price: { id: f.priceId },
          current_period_start: start,
          current_period_end: start + 30 * DAY,
        },
      ],
    },
    trial_start: f.trialEnd ? start : null,
    trial_end: f.trialEnd ?? null,
    cancel_at_period_end: f.cancelAtPeriodEnd ?? false,
    cancel_at: null,
    canceled_at: f.status === 'canceled' ? start : null,
    ended_at: f.status === 'canceled' ? start : null,
  } as unknown as Stripe.Subscription;
}

/** A paid subscription invoice for a period of `subscription` (billing_reason create or cycle). */
export function stripeInvoice(
  subscription: Stripe.Subscription,
  billingReason: 'subscription_create' | 'subscription_cycle',
  periodStart: number,
): Stripe.Invoice {
  const price = subscription.items.data[0].price.id;
  return {
    id: `in_${randomBytes(6).toString('hex')}`,
    object: 'invoice',
    billing_reason: billingReason,
    parent: { subscription_details: { subscription: subscription.id } },
    lines: {
      data: [
        {
          period: { start: periodStart, end: periodStart + 30 * DAY },
          pricing: { price_details: { price } },
          parent: { subscription_item_details: { proration: false } },
        },
      ],
    },
  } as unknown as Stripe.Invoice;
}
