import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type Stripe from 'stripe';
import { BillingService } from '../../payments/billing.service';
import { HANDLER_OPTIONS, StripeEventContext, stripeEventName } from '../stripe-event-context';

/**
 * A subscription invoice was paid: creation or renewal starts that period's monthly credits (once per period,
 * never backwards). The subscription is re-read from Stripe; the invoice's subscription lives under
 * parent.subscription_details in this API version.
 */
@Injectable()
export class InvoicePaidHandler {
  constructor(private readonly billing: BillingService) {}

  @OnEvent(stripeEventName('invoice.paid'), HANDLER_OPTIONS)
  async handle(ctx: StripeEventContext<Stripe.InvoicePaidEvent>): Promise<void> {
    const invoice = ctx.event.data.object;
    const ref = invoice.parent?.subscription_details?.subscription;
    const subscriptionId = typeof ref === 'string' ? ref : ref?.id;
    if (!subscriptionId) return; // a one-off invoice: nothing to do
    const version = Date.now();
    const remote = await this.billing.fetchSubscription(subscriptionId);
    await ctx.commit((m) => this.billing.applyInvoicePaid(m, invoice, remote, version));
  }
}
