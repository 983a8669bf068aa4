import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { NOTIFIER, type Notifier } from '../../payments/notifier';
import { SubscriptionSyncService } from '../../payments/subscription-sync.service';
import { OnStripeEvent } from '../on-stripe-event.decorator';
import type { StripeEventContext } from '../stripe-event-context';

type SubscriptionEvent = Stripe.Event & { data: { object: Stripe.Subscription } };

/**
 * customer.subscription.*: mirror the subscription as Stripe has it now. Re-fetching makes the result
 * independent of delivery order (the event's snapshot is used only if Stripe no longer has it). A deleted
 * subscription is mirrored as canceled, and its monthly credits end with it.
 */
@Injectable()
export class SubscriptionHandler {
  constructor(
    private readonly subscriptions: SubscriptionSyncService,
    @Inject(NOTIFIER) private readonly notifier: Notifier,
  ) {}

  @OnStripeEvent(
    'customer.subscription.created',
    'customer.subscription.updated',
    'customer.subscription.deleted',
  )
  async mirror(ctx: StripeEventContext<SubscriptionEvent>) {
    const version = Date.now();
    const remote = await this.subscriptions.fetchSubscription(ctx.event.data.object.id);
    const read = { subscription: remote ?? ctx.event.data.object, version };
    const prepared = await this.subscriptions.prepare(read);
    return ctx.commit((m) => this.subscriptions.apply(m, prepared));
  }

  /** Three days before a trial ends: mirror and tell the customer. */
  @OnStripeEvent('customer.subscription.trial_will_end')
  async trialWillEnd(ctx: StripeEventContext<SubscriptionEvent>): Promise<void> {
    const row = await this.mirror(ctx);
    if (row) {
      await this.notifier.notify({
        kind: 'trial_will_end',
        userId: row.userId,
        reference: row.id,
        data: { trial_end: row.trialEnd?.toISOString() ?? null },
      });
    }
  }
}
