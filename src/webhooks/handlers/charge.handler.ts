import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { RefundsDisputesService } from '../../payments/refunds-disputes.service';
import { OnStripeEvent } from '../on-stripe-event.decorator';
import type { StripeEventContext } from '../stripe-event-context';
import { formatMoney } from '../../common/money';

type ChargeEvent = Stripe.Event & { data: { object: Stripe.Charge } };
type DisputeEvent = Stripe.Event & { data: { object: Stripe.Dispute } };

/** charge.*: refunds and disputes of credit packs. */
@Injectable()
export class ChargeHandler {
  private readonly logger = new Logger('Payments');

  constructor(private readonly chargebacks: RefundsDisputesService) {}

  /**
   * Refunds claw back purchased credits in proportion to the refunded amount. charge.amount_refunded is
   * cumulative, so partial refunds add up, and a late (smaller) one changes nothing.
   */
  @OnStripeEvent('charge.refunded')
  async refunded(ctx: StripeEventContext<ChargeEvent>): Promise<void> {
    const prepared = await this.chargebacks.prepareRefund(ctx.event.data.object);
    await ctx.commit((m) => this.chargebacks.applyRefund(m, prepared));
    const charge = ctx.event.data.object;
    this.logger.log(
      { charge_id: charge.id, amount_refunded: charge.amount_refunded },
      `refund recorded: charge ${charge.id} (${formatMoney(charge.amount_refunded, charge.currency)} refunded so far)`,
    );
  }

  /** A dispute opens (credits frozen, shortfall recorded) or closes (won restores; lost keeps them taken). */
  @OnStripeEvent('charge.dispute.created', 'charge.dispute.closed')
  async disputed(ctx: StripeEventContext<DisputeEvent>): Promise<void> {
    const prepared = await this.chargebacks.prepareDispute(ctx.event.data.object.id);
    await ctx.commit((m) => this.chargebacks.applyDispute(m, prepared));
  }
}
