import type Stripe from 'stripe';
import type { Ctx } from '../ctx';
import { DAY } from '../time';
import type { Obj } from '../types';
import { attemptInvoicePayment, type Invoice, type Subscription } from './invoicing';
import { pendingDrafts } from './metered-billing';
import {
  cancelSubscription,
  finalizeRenewalDraft,
  items,
  renewSubscription,
  settleAfterRetry,
} from './subscriptions';

export type TestClock = Obj<Stripe.TestHelpers.TestClock>;

const TRIAL_WILL_END_BEFORE = 3 * DAY;
const LIVE = new Set(['trialing', 'active', 'past_due', 'unpaid']);

interface Action {
  at: number;
  run: (now: number) => void;
}

function subscriptionsOn(ctx: Ctx, clockId: string): Subscription[] {
  return ctx.store
    .all<Subscription>('subscription', (s) => s.test_clock === clockId && LIVE.has(String(s.status)))
    .reverse();
}

/** Everything that is due for a subscription after `from`, earliest first. */
function dueActions(ctx: Ctx, sub: Subscription, from: number): Action[] {
  const actions: Action[] = [];
  const flagKey = `trial_will_end:${sub.id}`;
  if (sub.status === 'trialing' && sub.trial_end && !ctx.store.internal.flags[flagKey]) {
    const at = Math.max(from, sub.trial_end - TRIAL_WILL_END_BEFORE);
    actions.push({
      at,
      run: (now) => {
        ctx.store.internal.flags[flagKey] = true;
        ctx.events.emit('customer.subscription.trial_will_end', sub, { created: now });
      },
    });
  }
  const periodEnd = items(sub)[0]?.current_period_end;
  if (periodEnd !== undefined) {
    if (sub.cancel_at_period_end || (sub.cancel_at && sub.cancel_at <= periodEnd)) {
      const at = sub.cancel_at ?? periodEnd;
      actions.push({ at, run: (now) => cancelSubscription(ctx, sub, now, 'cancellation_requested') });
    } else {
      actions.push({ at: periodEnd, run: (now) => renewSubscription(ctx, sub, now) });
    }
  }
  for (const invoice of pendingDrafts(ctx, sub)) {
    actions.push({
      at: invoice.automatically_finalizes_at!,
      run: (now) => finalizeRenewalDraft(ctx, sub, invoice, now),
    });
  }
  for (const invoice of ctx.store.all<Invoice>(
    'invoice',
    (i) => i.status === 'open' && !!i.next_payment_attempt,
  )) {
    const details = invoice.parent?.subscription_details;
    if (!details || details.subscription !== sub.id) continue;
    actions.push({
      at: invoice.next_payment_attempt!,
      run: (now) => {
        const paid = attemptInvoicePayment(ctx, invoice, sub, now);
        settleAfterRetry(ctx, sub, paid, !paid && invoice.next_payment_attempt === null, now);
      },
    });
  }
  return actions;
}

/**
 * Move a test clock forward to `target`, running every billing transition that falls in between in
 * chronological order (trial_will_end, trial end, renewals, invoice retries, period-end cancellation).
 */
export function advanceClock(ctx: Ctx, clock: TestClock, target: number): void {
  ctx.events.emit(
    'test_helpers.test_clock.advancing',
    { ...clock, status: 'advancing' },
    { created: clock.frozen_time },
  );
  for (let guard = 0; guard < 10_000; guard++) {
    const from = clock.frozen_time ?? target;
    let next: Action | undefined;
    for (const sub of subscriptionsOn(ctx, clock.id)) {
      for (const a of dueActions(ctx, sub, from)) if (a.at <= target && (!next || a.at < next.at)) next = a;
    }
    if (!next) break;
    clock.frozen_time = Math.max(from, next.at);
    next.run(clock.frozen_time);
  }
  clock.frozen_time = target;
  clock.status = 'ready';
  ctx.events.emit('test_helpers.test_clock.ready', clock, { created: target });
}
