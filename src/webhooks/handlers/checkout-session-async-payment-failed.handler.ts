import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type Stripe from 'stripe';
import { BillingService } from '../../payments/billing.service';
import { Inject } from '@nestjs/common';
import { NOTIFIER, type Notifier } from '../../payments/notifier';
import { HANDLER_OPTIONS, StripeEventContext, stripeEventName } from '../stripe-event-context';

/** A delayed payment failed: nothing is granted; the session is marked and the customer told. */
@Injectable()
export class CheckoutSessionAsyncPaymentFailedHandler {
  constructor(
    private readonly billing: BillingService,
    @Inject(NOTIFIER) private readonly notifier: Notifier,
  ) {}

  @OnEvent(stripeEventName('checkout.session.async_payment_failed'), HANDLER_OPTIONS)
  async handle(ctx: StripeEventContext<Stripe.CheckoutSessionAsyncPaymentFailedEvent>): Promise<void> {
    const session = ctx.event.data.object;
    const userId = await ctx.commit((m) => this.billing.markCheckoutFailed(m, session));
    if (userId) await this.notifier.notify({ kind: 'async_payment_failed', userId, reference: session.id });
  }
}
