import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { GrantsService } from '../credits/grants.service';
import { DomainEvents } from '../common/events/domain-events';
import { PurchaseCompleted } from '../common/facts';
import { afterCommit } from '../common/events/after-commit';
import { TollgateMetrics } from '../metrics/metrics.service';
import { PlansService } from '../plans/plans.service';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { UsersService } from '../users/users.service';
import { CheckoutSessionRecord } from './checkout-session.entity';
import { ENDED, planItem, refId } from './stripe-refs';
import { SubscriptionPeriodsService } from './subscription-periods.service';
import { PreparedSubscription, SubscriptionSyncService } from './subscription-sync.service';

/** A checkout session and its subscription as read from Stripe, ready to apply inside a transaction. */
export interface PreparedCheckout {
  session: Stripe.Checkout.Session;
  subscription: PreparedSubscription | null;
}

/**
 * Checkout fulfilment, from the webhook and from the buyer's status read alike: a paid subscription checkout
 * mirrors the subscription and starts its first period; a paid package checkout grants the package's
 * credits. Idempotent: every effect is keyed by the session.
 */
@Injectable()
export class CheckoutFulfilmentService {
  private readonly logger = new Logger('CheckoutFulfilment');

  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly plans: PlansService,
    private readonly credits: GrantsService,
    private readonly subscriptions: SubscriptionSyncService,
    private readonly periods: SubscriptionPeriodsService,
    private readonly events: DomainEvents,
    private readonly metrics: TollgateMetrics,
  ) {}

  /** Reads the session (with its line items) and its subscription from Stripe. */
  async prepareCheckout(sessionId: string): Promise<PreparedCheckout> {
    const session = await this.stripe.checkout.sessions.retrieve(sessionId, { expand: ['line_items'] });
    const subId = refId(session.subscription);
    const subscription =
      session.mode === 'subscription' && subId ? await this.subscriptions.read(subId) : null;
    return { session, subscription };
  }

  /** Same fulfilment as the webhook; safe to run from both paths, any number of times. */
  async fulfilCheckoutSession(sessionId: string): Promise<void> {
    const prepared = await this.prepareCheckout(sessionId);
    await this.db.transaction((m) => this.applyCheckout(m, prepared));
  }

  /** Returns true when the session was paid (or needs no payment) and its effects are in place. */
  async applyCheckout(m: EntityManager, { session, subscription }: PreparedCheckout): Promise<boolean> {
    const paid = session.payment_status === 'paid' || session.payment_status === 'no_payment_required';
    // A setup-mode session saves a card and sells nothing (PaymentMethodService adopts its card).
    if (session.status !== 'complete' || !paid || session.mode === 'setup') return false;
    const customerId = refId(session.customer);
    const claimed = session.client_reference_id ?? session.metadata?.user_id;
    const userId = await this.users.resolveStripeOwner(m, claimed, customerId);
    if (!userId) {
      this.logger.warn(`checkout ${session.id}: no Tollgate user; not fulfilled`);
      return false;
    }
    await this.recordComplete(m, session, userId);
    if (customerId) await this.users.attachCustomerId(m, userId, customerId);

    if (session.mode === 'subscription') {
      if (!subscription) throw new Error(`checkout ${session.id}: subscription missing`);
      const row = await this.subscriptions.apply(m, subscription);
      const item = planItem(subscription.subscription);
      if (row && item && !ENDED.includes(row.status)) {
        await this.periods.startPaidPeriod(
          m,
          row,
          new Date(item.current_period_start * 1000),
          item.price.id,
          new Date(item.current_period_end * 1000),
        );
      }
      return true;
    }
    if (session.mode === 'payment') {
      await this.grantPackage(m, session, userId);
      return true;
    }
    return false;
  }

  /** checkout.session.async_payment_failed: marks an unfulfilled session; returns its buyer to notify. */
  async markCheckoutFailed(m: EntityManager, session: Stripe.Checkout.Session): Promise<string | null> {
    const repo = m.getRepository(CheckoutSessionRecord);
    const result = await repo.update({ id: session.id, fulfilledAt: IsNull() }, { status: 'payment_failed' });
    if (!result.affected) return null;
    return (await repo.findOneBy({ id: session.id }))?.userId ?? null;
  }

  /** The session row says complete and fulfilled; a row claimed by another user is a hard error. */
  private async recordComplete(m: EntityManager, session: Stripe.Checkout.Session, userId: string) {
    const recorded = await m.getRepository(CheckoutSessionRecord).findOneBy({ id: session.id });
    if (recorded && recorded.userId !== userId) {
      throw new Error(`checkout ${session.id}: belongs to another user than its reference claims`);
    }
    const priceId = session.line_items?.data[0]?.price?.id ?? '';
    await m.query(
      `INSERT INTO checkout_sessions (id, user_id, mode, price_id, currency, status, fulfilled_at)
       VALUES ($1, $2, $3, $4, $5, 'complete', now())
       ON CONFLICT (id) DO UPDATE SET status = 'complete', fulfilled_at = COALESCE(checkout_sessions.fulfilled_at, now())`,
      [session.id, userId, session.mode, priceId, session.currency ?? 'usd'],
    );
  }

  private async grantPackage(m: EntityManager, session: Stripe.Checkout.Session, userId: string) {
    const line = session.line_items?.data[0];
    const pack = line?.price ? await this.plans.packageForPrice(m, line.price.id) : null;
    if (!pack) {
      this.logger.warn(
        `checkout ${session.id}: price ${line?.price?.id} is not a catalog package; no credits`,
      );
      return;
    }
    const purchase = {
      userId,
      checkoutSessionId: session.id,
      packageId: pack.id,
      paymentIntentId: refId(session.payment_intent),
      // The pack's credits, never derived from the amount paid: tax and discounts do not change them.
      credits: pack.usesAmount * (line?.quantity ?? 1),
      expiresInDays: pack.expiresInDays,
      amountTotal: session.amount_total ?? 0,
      currency: session.currency ?? pack.currency,
    };
    // true only the first time: the event, the metric and the log line happen once, with the grant.
    if (!(await this.credits.grantPurchase(m, purchase))) return;
    await this.events.publish(
      m,
      new PurchaseCompleted(userId, {
        checkoutSessionId: session.id,
        paymentIntentId: purchase.paymentIntentId,
        packageId: pack.id,
        priceId: line?.price?.id ?? null,
        quantity: line?.quantity ?? 1,
        credits: purchase.credits,
        amountTotal: purchase.amountTotal,
        amountSubtotal: session.amount_subtotal ?? purchase.amountTotal,
        amountTax: session.total_details?.amount_tax ?? 0,
        currency: purchase.currency,
      }),
    );
    this.metrics.payment(m, 'succeeded', 'credit_pack');
    afterCommit(m, () =>
      this.logger.log(
        { user_id: userId, checkout_session_id: session.id, credits: purchase.credits },
        `purchase fulfilled: +${purchase.credits} credits to user ${userId} (${session.id})`,
      ),
    );
  }
}
