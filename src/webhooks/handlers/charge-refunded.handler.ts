import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type Stripe from 'stripe';
import { BillingService } from '../../payments/billing.service';
import { HANDLER_OPTIONS, StripeEventContext, stripeEventName } from '../stripe-event-context';

/**
 * Refunds claw back purchased credits in proportion to the refunded amount. charge.amount_refunded is
 * cumulative, so partial refunds add up, and a late (smaller) one changes nothing.
 */
@Injectable()
export class ChargeRefundedHandler {
  constructor(private readonly billing: BillingService) {}

  @OnEvent(stripeEventName('charge.refunded'), HANDLER_OPTIONS)
  async handle(ctx: StripeEventContext<Stripe.ChargeRefundedEvent>): Promise<void> {
    const charge = ctx.event.data.object;
    const source = await this.billing.prepareChargeSource(
      typeof charge.payment_intent === 'string' ? charge.payment_intent : (charge.payment_intent?.id ?? null),
    );
    await ctx.commit((m) => this.billing.applyRefund(m, charge, source));
  }
}
