import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { BillingService } from '../../payments/billing.service';
import { STRIPE_CLIENT } from '../../stripe/stripe.constants';
import type { StripeEventContext } from '../stripe-event-context';

type DisputeEvent = Stripe.Event & { data: { object: Stripe.Dispute } };

/** Shared by charge.dispute.*: the dispute is re-read, so its current status decides (order-independent). */
@Injectable()
export class DisputeEffects {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    private readonly billing: BillingService,
  ) {}

  async apply(ctx: StripeEventContext<DisputeEvent>): Promise<void> {
    const dispute = await this.stripe.disputes.retrieve(ctx.event.data.object.id);
    const pi = dispute.payment_intent;
    const source = await this.billing.prepareChargeSource(typeof pi === 'string' ? pi : (pi?.id ?? null));
    await ctx.commit((m) => this.billing.applyDispute(m, dispute, source));
  }
}
