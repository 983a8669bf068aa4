import type Stripe from 'stripe';
import type { SubscriptionState } from '../common/facts';
import { mirrorRow, subscriptionChange } from './subscription-mirror';

const state = (over: Partial<SubscriptionState> = {}): SubscriptionState => ({
  status: 'active',
  planId: 1,
  priceId: 'price_a',
  currency: 'usd',
  cancelAtPeriodEnd: false,
  cancelAt: null,
  canceledAt: null,
  endedAt: null,
  currentPeriodStart: new Date('2026-11-01T00:00:00Z'),
  currentPeriodEnd: new Date('2026-12-01T00:00:00Z'),
  trialEnd: null,
  ...over,
});

describe('subscription mirror (pure)', () => {
  it('turns a Stripe subscription into the row: the first item price and periods, seconds as dates', () => {
    const s = {
      id: 'sub_1',
      customer: { id: 'cus_1' },
      status: 'trialing',
      currency: 'eur',
      cancel_at_period_end: true,
      cancel_at: 1_800_000_000,
      canceled_at: null,
      ended_at: null,
      trial_start: 1_780_000_000,
      trial_end: 1_790_000_000,
      items: {
        data: [
          {
            price: { id: 'price_eur' },
            current_period_start: 1_780_000_000,
            current_period_end: 1_790_000_000,
          },
        ],
      },
    } as unknown as Stripe.Subscription;
    expect(mirrorRow(s, { userId: 'u1', planId: 7, version: 42 })).toEqual({
      id: 'sub_1',
      userId: 'u1',
      customerId: 'cus_1',
      status: 'trialing',
      planId: 7,
      priceId: 'price_eur',
      currency: 'eur',
      currentPeriodStart: new Date(1_780_000_000_000),
      currentPeriodEnd: new Date(1_790_000_000_000),
      trialStart: new Date(1_780_000_000_000),
      trialEnd: new Date(1_790_000_000_000),
      cancelAtPeriodEnd: true,
      cancelAt: new Date(1_800_000_000_000),
      canceledAt: null,
      endedAt: null,
      stripeVersion: 42,
    });
  });

  it('a first write is created; an end is canceled; a changed field is updated and named; nothing is null', () => {
    expect(subscriptionChange(null, state())).toEqual({ kind: 'created', changedFields: [] });
    expect(subscriptionChange(state(), state({ status: 'canceled', endedAt: new Date(1) }))).toEqual({
      kind: 'canceled',
      changedFields: ['status', 'endedAt'],
    });
    expect(subscriptionChange(state(), state({ cancelAtPeriodEnd: true }))).toEqual({
      kind: 'updated',
      changedFields: ['cancelAtPeriodEnd'],
    });
    // Dates compare by instant, not identity: a re-read with equal periods changes nothing.
    expect(
      subscriptionChange(state(), state({ currentPeriodEnd: new Date('2026-12-01T00:00:00Z') })),
    ).toBeNull();
    // An already-ended subscription ending again is an update at most, never a second cancellation.
    const gone = state({ status: 'canceled' });
    expect(subscriptionChange(gone, { ...gone, canceledAt: new Date(5) })).toEqual({
      kind: 'updated',
      changedFields: ['canceledAt'],
    });
  });
});
