import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import { GrantsService } from '../credits/grants.service';
import { DomainEvents } from '../common/events/domain-events';
import { RefundProcessed } from '../common/facts';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { CheckoutFulfilmentService, PreparedCheckout } from './checkout-fulfilment.service';
import { refId } from './stripe-refs';

/** A refund or dispute, with the checkout it belongs to when that was not fulfilled yet. */
export interface PreparedChargeback<T> {
  object: T;
  source: PreparedCheckout | null;
}

/**
 * Refunds and disputes of credit packs. A refund claws back purchased credits in proportion to the refunded
 * amount (partials add up, once per refund); a dispute freezes the purchase's credits and a won one restores
 * them. Refunds of subscription invoices do not claw back monthly credits.
 */
@Injectable()
export class RefundsDisputesService {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @InjectDataSource() private readonly db: DataSource,
    private readonly credits: GrantsService,
    private readonly checkouts: CheckoutFulfilmentService,
    private readonly events: DomainEvents,
  ) {}

  async prepareRefund(charge: Stripe.Charge): Promise<PreparedChargeback<Stripe.Charge>> {
    return { object: charge, source: await this.prepareSource(refId(charge.payment_intent)) };
  }

  /** The dispute is re-read, so its current status decides (order-independent). */
  async prepareDispute(disputeId: string): Promise<PreparedChargeback<Stripe.Dispute>> {
    const dispute = await this.stripe.disputes.retrieve(disputeId);
    return { object: dispute, source: await this.prepareSource(refId(dispute.payment_intent)) };
  }

  /** Claws back purchased credits in proportion to the refunded amount; once per refund, partials add up. */
  async applyRefund(m: EntityManager, { object: charge, source }: PreparedChargeback<Stripe.Charge>) {
    if (source) await this.checkouts.applyCheckout(m, source);
    const purchase = await this.credits.purchaseByPaymentIntent(m, refId(charge.payment_intent));
    if (!purchase || charge.amount <= 0) return;
    const target = Math.floor((purchase.credits * charge.amount_refunded) / charge.amount);
    const soFar = await this.credits.requestedSoFar(
      m,
      purchase.userId,
      'refund_clawback',
      'charge',
      charge.id,
    );
    const requested = target - soFar;
    if (requested <= 0) return;
    const taken = await this.credits.clawback(m, {
      userId: purchase.userId,
      checkoutSessionId: purchase.checkoutSessionId,
      requested,
      reason: 'refund_clawback',
      key: `refund:${charge.id}:${charge.amount_refunded}`,
      sourceType: 'charge',
      sourceId: charge.id,
      metadata: { amount_refunded: charge.amount_refunded, checkout_session: purchase.checkoutSessionId },
    });
    if (taken === undefined) return; // this refund amount was already applied
    await this.events.publish(
      m,
      new RefundProcessed(purchase.userId, {
        chargeId: charge.id,
        paymentIntentId: refId(charge.payment_intent),
        checkoutSessionId: purchase.checkoutSessionId,
        amount: charge.amount,
        amountRefunded: charge.amount_refunded,
        currency: charge.currency,
        creditsClawedBack: taken,
        creditsShortfall: requested - taken,
      }),
    );
  }

  /** An open or lost dispute freezes the purchase's credits (less what refunds took); a won one restores. */
  async applyDispute(m: EntityManager, { object: dispute, source }: PreparedChargeback<Stripe.Dispute>) {
    if (source) await this.checkouts.applyCheckout(m, source);
    const purchase = await this.credits.purchaseByPaymentIntent(m, refId(dispute.payment_intent));
    if (!purchase) return;
    const chargeId = refId(dispute.charge)!;
    const key = `dispute:${dispute.id}`;
    if (dispute.status !== 'won') {
      const refunded = await this.credits.requestedSoFar(
        m,
        purchase.userId,
        'refund_clawback',
        'charge',
        chargeId,
      );
      await this.credits.clawback(m, {
        userId: purchase.userId,
        checkoutSessionId: purchase.checkoutSessionId,
        requested: Math.max(0, purchase.credits - refunded),
        reason: 'dispute_clawback',
        key,
        sourceType: 'dispute',
        sourceId: dispute.id,
        metadata: { charge: chargeId, status: dispute.status },
      });
      return;
    }
    const taken = await this.credits.takenBy(m, purchase.userId, key);
    if (taken > 0) {
      await this.credits.restore(m, {
        userId: purchase.userId,
        amount: taken,
        key: `${key}:reversal`,
        sourceId: dispute.id,
      });
    }
  }

  /**
   * A refund or dispute can be delivered before the checkout it belongs to was fulfilled. Then the checkout
   * is read from Stripe now and fulfilled first, in the same transaction (the same idempotent fulfilment), so
   * a takeback never misses the credits it should take back.
   */
  private async prepareSource(paymentIntent: string | null): Promise<PreparedCheckout | null> {
    if (!paymentIntent || (await this.credits.purchaseByPaymentIntent(this.db.manager, paymentIntent)))
      return null;
    const sessions = await this.stripe.checkout.sessions.list({ payment_intent: paymentIntent, limit: 1 });
    const session = sessions.data[0];
    return session ? this.checkouts.prepareCheckout(session.id) : null;
  }
}
