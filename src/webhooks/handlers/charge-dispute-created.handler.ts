import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type Stripe from 'stripe';
import { DisputeEffects } from './dispute-effects';
import { HANDLER_OPTIONS, StripeEventContext, stripeEventName } from '../stripe-event-context';

/** A dispute opens: the purchase's credits are frozen (clawed back; shortfall recorded). */
@Injectable()
export class ChargeDisputeCreatedHandler {
  constructor(private readonly disputes: DisputeEffects) {}

  @OnEvent(stripeEventName('charge.dispute.created'), HANDLER_OPTIONS)
  async handle(ctx: StripeEventContext<Stripe.ChargeDisputeCreatedEvent>): Promise<void> {
    await this.disputes.apply(ctx);
  }
}
