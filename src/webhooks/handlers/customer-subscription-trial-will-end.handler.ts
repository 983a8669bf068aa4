import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type Stripe from 'stripe';
import { SubscriptionMirror } from './subscription-mirror';
import { Inject } from '@nestjs/common';
import { NOTIFIER, type Notifier } from '../../payments/notifier';
import { HANDLER_OPTIONS, StripeEventContext, stripeEventName } from '../stripe-event-context';

/** Three days before a trial ends: mirror and tell the customer. */
@Injectable()
export class CustomerSubscriptionTrialWillEndHandler {
  constructor(
    private readonly mirror: SubscriptionMirror,
    @Inject(NOTIFIER) private readonly notifier: Notifier,
  ) {}

  @OnEvent(stripeEventName('customer.subscription.trial_will_end'), HANDLER_OPTIONS)
  async handle(ctx: StripeEventContext<Stripe.CustomerSubscriptionTrialWillEndEvent>): Promise<void> {
    const row = await this.mirror.sync(ctx);
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
