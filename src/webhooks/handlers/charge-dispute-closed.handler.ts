import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type Stripe from 'stripe';
import { DisputeEffects } from './dispute-effects';
import { HANDLER_OPTIONS, StripeEventContext, stripeEventName } from '../stripe-event-context';

/** A dispute closes: won restores the frozen credits; lost keeps them clawed back. */
@Injectable()
export class ChargeDisputeClosedHandler {
  constructor(private readonly disputes: DisputeEffects) {}

  @OnEvent(stripeEventName('charge.dispute.closed'), HANDLER_OPTIONS)
  async handle(ctx: StripeEventContext<Stripe.ChargeDisputeClosedEvent>): Promise<void> {
    await this.disputes.apply(ctx);
  }
}
