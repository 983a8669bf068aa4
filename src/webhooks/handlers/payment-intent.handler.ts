import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { AutoTopUpService } from '../../spend-controls/auto-top-up.service';
import { OnStripeEvent } from '../on-stripe-event.decorator';
import type { StripeEventContext } from '../stripe-event-context';

type PaymentIntentEvent = Stripe.Event & { data: { object: Stripe.PaymentIntent } };

/** payment_intent.succeeded: an auto top-up's credits (read again from Stripe; once per PaymentIntent id). */
@Injectable()
export class PaymentIntentHandler {
  constructor(private readonly autoTopUps: AutoTopUpService) {}

  @OnStripeEvent('payment_intent.succeeded')
  async succeeded(ctx: StripeEventContext<PaymentIntentEvent>): Promise<void> {
    // Checkout's and invoices' PaymentIntents are fulfilled through their own events.
    if (!ctx.event.data.object.metadata?.auto_top_up_attempt) return;
    const pi = await this.autoTopUps.preparePaymentSucceeded(ctx.event.data.object.id);
    await ctx.commit((m) => this.autoTopUps.applyPaymentSucceeded(m, pi));
  }
}
