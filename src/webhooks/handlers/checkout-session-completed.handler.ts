import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type Stripe from 'stripe';
import { BillingService } from '../../payments/billing.service';
import { HANDLER_OPTIONS, StripeEventContext, stripeEventName } from '../stripe-event-context';

/** Fulfils a checkout (both modes) once paid or when no payment is required; re-read from Stripe. */
@Injectable()
export class CheckoutSessionCompletedHandler {
  constructor(private readonly billing: BillingService) {}

  @OnEvent(stripeEventName('checkout.session.completed'), HANDLER_OPTIONS)
  async handle(ctx: StripeEventContext<Stripe.CheckoutSessionCompletedEvent>): Promise<void> {
    const prepared = await this.billing.prepareCheckout(ctx.event.data.object.id);
    await ctx.commit((m) => this.billing.applyCheckout(m, prepared));
  }
}
