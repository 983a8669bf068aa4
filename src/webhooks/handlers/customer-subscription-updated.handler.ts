import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type Stripe from 'stripe';
import { SubscriptionMirror } from './subscription-mirror';
import { HANDLER_OPTIONS, StripeEventContext, stripeEventName } from '../stripe-event-context';

/** Mirrors the subscription as Stripe has it now (re-fetched: order-independent). */
@Injectable()
export class CustomerSubscriptionUpdatedHandler {
  constructor(private readonly mirror: SubscriptionMirror) {}

  @OnEvent(stripeEventName('customer.subscription.updated'), HANDLER_OPTIONS)
  async handle(ctx: StripeEventContext<Stripe.CustomerSubscriptionUpdatedEvent>): Promise<void> {
    await this.mirror.sync(ctx);
  }
}
