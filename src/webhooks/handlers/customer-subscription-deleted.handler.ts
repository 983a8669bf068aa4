import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type Stripe from 'stripe';
import { SubscriptionMirror } from './subscription-mirror';
import { HANDLER_OPTIONS, StripeEventContext, stripeEventName } from '../stripe-event-context';

/** The subscription ended: mirror it (canceled) — its monthly credits end with it (subscription_ended). */
@Injectable()
export class CustomerSubscriptionDeletedHandler {
  constructor(private readonly mirror: SubscriptionMirror) {}

  @OnEvent(stripeEventName('customer.subscription.deleted'), HANDLER_OPTIONS)
  async handle(ctx: StripeEventContext<Stripe.CustomerSubscriptionDeletedEvent>): Promise<void> {
    await this.mirror.sync(ctx);
  }
}
