import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type Stripe from 'stripe';
import { BillingService } from '../../payments/billing.service';
import { HANDLER_OPTIONS, StripeEventContext, stripeEventName } from '../stripe-event-context';

/** A delayed payment (e.g. bank debit) cleared: fulfil now, with the same idempotent fulfilment. */
@Injectable()
export class CheckoutSessionAsyncPaymentSucceededHandler {
  constructor(private readonly billing: BillingService) {}

  @OnEvent(stripeEventName('checkout.session.async_payment_succeeded'), HANDLER_OPTIONS)
  async handle(ctx: StripeEventContext<Stripe.CheckoutSessionAsyncPaymentSucceededEvent>): Promise<void> {
    const prepared = await this.billing.prepareCheckout(ctx.event.data.object.id);
    await ctx.commit((m) => this.billing.applyCheckout(m, prepared));
  }
}
