import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type Stripe from 'stripe';
import { BillingService } from '../../payments/billing.service';
import { Inject } from '@nestjs/common';
import { NOTIFIER, type Notifier } from '../../payments/notifier';
import { HANDLER_OPTIONS, StripeEventContext, stripeEventName } from '../stripe-event-context';

/** A renewal failed: mirror the subscription (past_due keeps access for the grace period) and tell the customer. */
@Injectable()
export class InvoicePaymentFailedHandler {
  constructor(
    private readonly billing: BillingService,
    @Inject(NOTIFIER) private readonly notifier: Notifier,
  ) {}

  @OnEvent(stripeEventName('invoice.payment_failed'), HANDLER_OPTIONS)
  async handle(ctx: StripeEventContext<Stripe.InvoicePaymentFailedEvent>): Promise<void> {
    const invoice = ctx.event.data.object;
    const ref = invoice.parent?.subscription_details?.subscription;
    const subscriptionId = typeof ref === 'string' ? ref : ref?.id;
    const version = Date.now();
    const remote = subscriptionId ? await this.billing.fetchSubscription(subscriptionId) : null;
    const row = await ctx.commit(async (m) =>
      remote ? this.billing.applySubscription(m, remote, version) : null,
    );
    if (row) {
      await this.notifier.notify({
        kind: 'payment_failed',
        userId: row.userId,
        reference: invoice.id,
        data: {
          amount_due: invoice.amount_due,
          currency: invoice.currency,
          attempt_count: invoice.attempt_count,
        },
      });
    }
  }
}
