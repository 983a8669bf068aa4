import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import { appConfig, AppConfig } from '../config/app.config';
import { CreditsService } from '../credits/credits.service';
import { PlansService } from '../plans/plans.service';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { LIVE_STATUSES, Subscription, SubscriptionStatus } from './subscription.entity';

/** A checkout session and its subscription as read from Stripe, ready to apply inside a transaction. */
export interface PreparedCheckout {
  session: Stripe.Checkout.Session;
  subscription: Stripe.Subscription | null;
  version: number;
}

const ENDED: SubscriptionStatus[] = ['canceled', 'incomplete_expired'];
const toDate = (s: number | null | undefined): Date | null => (s ? new Date(s * 1000) : null);
const idOf = (ref: string | { id: string } | null | undefined): string | null =>
  ref == null ? null : typeof ref === 'string' ? ref : ref.id;

/**
 * Where Stripe's state becomes ours: subscription mirroring, checkout fulfilment, refunds and disputes.
 * Reads from Stripe happen before a transaction (`prepare…`/`fetch…`); effects happen inside the caller's
 * transaction (`apply…`), so a webhook's effects and its "processed" mark commit together.
 *
 * Ordering: subscriptions are re-fetched from Stripe rather than trusted from the event payload, and a row
 * only moves to a newer read (stripe_version = when we read it), so late or reordered events never move a
 * subscription backwards. Credit grants are keyed by cause (session, subscription period, refund, dispute).
 */
@Injectable()
export class BillingService {
  private readonly logger = new Logger('Billing');

  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    private readonly credits: CreditsService,
    private readonly plans: PlansService,
  ) {}

  // ------------------------------------------------------------------ subscriptions

  async fetchSubscription(id: string): Promise<Stripe.Subscription | null> {
    try {
      return await this.stripe.subscriptions.retrieve(id);
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) return null;
      throw err;
    }
  }

  async syncSubscription(subscriptionId: string): Promise<Subscription | null> {
    const version = Date.now();
    const remote = await this.fetchSubscription(subscriptionId);
    if (!remote) return null;
    return this.db.transaction((m) => this.applySubscription(m, remote, version));
  }

  async liveSubscription(userId: string, m: EntityManager = this.db.manager): Promise<Subscription | null> {
    return m
      .getRepository(Subscription)
      .createQueryBuilder('s')
      .where('s.userId = :userId AND s.status IN (:...live)', { userId, live: LIVE_STATUSES })
      .orderBy('s.createdAt', 'DESC')
      .getOne();
  }

  /** Access by status: trialing/active yes; past_due for a grace period; unpaid/canceled/expired no. */
  hasAccess(sub: Pick<Subscription, 'status' | 'pastDueSince'>, now = new Date()): boolean {
    if (sub.status === 'trialing' || sub.status === 'active') return true;
    if (sub.status === 'past_due') {
      const since = sub.pastDueSince ?? now;
      return now.getTime() - since.getTime() <= this.app.pastDueGraceDays * 86_400_000;
    }
    return false;
  }

  /**
   * Upserts the mirror row from a Stripe read, only if this read is at least as new as the stored one.
   * Returns the stored row (null when the subscription is not one of our users').
   */
  async applySubscription(
    m: EntityManager,
    s: Stripe.Subscription,
    version: number,
  ): Promise<Subscription | null> {
    const customerId = idOf(s.customer)!;
    const userId = await this.resolveUser(m, s.metadata?.user_id, customerId);
    if (!userId) {
      this.logger.warn(`subscription ${s.id}: customer ${customerId} is not a Tollgate user; ignored`);
      return null;
    }
    if (LIVE_STATUSES.includes(s.status as SubscriptionStatus)) await this.refreshOtherLive(m, userId, s.id);
    const item = s.items.data[0];
    const priceId = item?.price?.id ?? null;
    const plan = priceId ? await this.plans.findPlanByPriceId(priceId, m) : null;
    const params = [
      s.id,
      userId,
      customerId,
      s.status,
      plan?.id ?? null,
      priceId,
      s.currency,
      toDate(item?.current_period_start),
      toDate(item?.current_period_end),
      toDate(s.trial_start),
      toDate(s.trial_end),
      s.cancel_at_period_end,
      toDate(s.cancel_at),
      toDate(s.canceled_at),
      toDate(s.ended_at),
      version,
    ];
    const rows: Array<{ id: string }> = await m.query(
      `INSERT INTO subscriptions AS cur (id, user_id, customer_id, status, plan_id, price_id, currency,
          current_period_start, current_period_end, trial_start, trial_end, cancel_at_period_end, cancel_at,
          canceled_at, ended_at, stripe_version, past_due_since)
       VALUES ($1, $2, $3, $4::varchar, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
               CASE WHEN $4::varchar = 'past_due' THEN now() END)
       ON CONFLICT (id) DO UPDATE SET
          status = EXCLUDED.status, plan_id = EXCLUDED.plan_id, price_id = EXCLUDED.price_id,
          currency = EXCLUDED.currency, current_period_start = EXCLUDED.current_period_start,
          current_period_end = EXCLUDED.current_period_end, trial_start = EXCLUDED.trial_start,
          trial_end = EXCLUDED.trial_end, cancel_at_period_end = EXCLUDED.cancel_at_period_end,
          cancel_at = EXCLUDED.cancel_at, canceled_at = EXCLUDED.canceled_at, ended_at = EXCLUDED.ended_at,
          stripe_version = EXCLUDED.stripe_version,
          past_due_since = CASE WHEN EXCLUDED.status = 'past_due' THEN COALESCE(cur.past_due_since, now()) END,
          updated_at = now()
       WHERE cur.stripe_version <= EXCLUDED.stripe_version
       RETURNING id`,
      params,
    );
    if (rows.length > 0) {
      if (s.trial_end) {
        await m.query('UPDATE users SET trial_used_at = COALESCE(trial_used_at, now()) WHERE id = $1', [
          userId,
        ]);
      }
      if (ENDED.includes(s.status as SubscriptionStatus)) {
        await this.credits.endSubscription(m, { userId, subscriptionId: s.id });
      }
    }
    return m.getRepository(Subscription).findOne({ where: { id: s.id } });
  }

  /**
   * At most one live subscription per user (a unique index). Before a live subscription is stored, any other
   * row we still hold as live is re-read from Stripe: usually it has ended and we missed or have not yet seen
   * that event. If Stripe says both are live, that is a genuine duplicate: fail loudly (the event retries and
   * lands in `dead`, visible in /admin/webhook-events) rather than guess which one to keep.
   */
  private async refreshOtherLive(m: EntityManager, userId: string, subscriptionId: string): Promise<void> {
    const others: Array<{ id: string }> = await m.query(
      `SELECT id FROM subscriptions WHERE user_id = $1 AND id <> $2 AND status = ANY($3)`,
      [userId, subscriptionId, LIVE_STATUSES],
    );
    for (const other of others) {
      const version = Date.now();
      const remote = await this.fetchSubscription(other.id);
      const status = remote?.status ?? 'canceled';
      if (remote) await this.applySubscription(m, remote, version);
      else
        await m.query(`UPDATE subscriptions SET status = 'canceled', updated_at = now() WHERE id = $1`, [
          other.id,
        ]);
      if (LIVE_STATUSES.includes(status as SubscriptionStatus)) {
        throw new Error(
          `user ${userId} has two live subscriptions in Stripe (${other.id}, ${subscriptionId})`,
        );
      }
    }
  }

  /**
   * A paid period begins: the plan's allowance replaces the unused monthly credits, once per period and only
   * forwards. Used by checkout fulfilment (first period) and invoice.paid (creation and each renewal).
   */
  async startPeriod(
    m: EntityManager,
    sub: Subscription,
    periodStart: Date,
    priceId: string | null,
  ): Promise<boolean> {
    const plan = priceId ? await this.plans.findPlanByPriceId(priceId, m) : null;
    if (!plan) {
      this.logger.warn(`subscription ${sub.id}: price ${priceId} is not a catalog plan; no monthly credits`);
    }
    return this.credits.startPeriod(m, {
      userId: sub.userId,
      subscriptionId: sub.id,
      periodStart,
      allowance: plan?.monthlyUses ?? 0,
      planId: plan?.id ?? null,
    });
  }

  // ------------------------------------------------------------------ checkout fulfilment

  async prepareCheckout(sessionId: string): Promise<PreparedCheckout> {
    const version = Date.now();
    const session = await this.stripe.checkout.sessions.retrieve(sessionId, { expand: ['line_items'] });
    const subId = idOf(session.subscription);
    const subscription =
      session.mode === 'subscription' && subId ? await this.fetchSubscription(subId) : null;
    return { session, subscription, version };
  }

  /** Same fulfilment as the webhook; safe to run from both paths, any number of times. */
  async fulfilCheckoutSession(sessionId: string): Promise<void> {
    const prepared = await this.prepareCheckout(sessionId);
    await this.db.transaction((m) => this.applyCheckout(m, prepared));
  }

  /** Returns true when the session was paid (or needs no payment) and its effects are in place. */
  async applyCheckout(
    m: EntityManager,
    { session, subscription, version }: PreparedCheckout,
  ): Promise<boolean> {
    const paid = session.payment_status === 'paid' || session.payment_status === 'no_payment_required';
    if (session.status !== 'complete' || !paid) return false;
    const customerId = idOf(session.customer);
    const claimed = session.client_reference_id ?? session.metadata?.user_id;
    const userId = await this.resolveUser(m, claimed, customerId);
    if (!userId) {
      this.logger.warn(`checkout ${session.id}: no Tollgate user; not fulfilled`);
      return false;
    }
    const recorded: Array<{ user_id: string }> = await m.query(
      'SELECT user_id FROM checkout_sessions WHERE id = $1',
      [session.id],
    );
    if (recorded[0] && recorded[0].user_id !== userId) {
      throw new Error(`checkout ${session.id}: belongs to another user than its reference claims`);
    }
    if (customerId) {
      await m.query('UPDATE users SET customer_id = $2 WHERE id = $1 AND customer_id IS NULL', [
        userId,
        customerId,
      ]);
    }
    const priceId = session.line_items?.data[0]?.price?.id ?? null;
    await m.query(
      `INSERT INTO checkout_sessions (id, user_id, mode, price_id, currency, status, fulfilled_at)
       VALUES ($1, $2, $3, $4, $5, 'complete', now())
       ON CONFLICT (id) DO UPDATE SET status = 'complete', fulfilled_at = COALESCE(checkout_sessions.fulfilled_at, now())`,
      [session.id, userId, session.mode, priceId ?? '', session.currency ?? 'usd'],
    );

    if (session.mode === 'subscription') {
      if (!subscription) throw new Error(`checkout ${session.id}: subscription missing`);
      const row = await this.applySubscription(m, subscription, version);
      const item = subscription.items.data[0];
      if (row && item && !ENDED.includes(row.status)) {
        await this.startPeriod(m, row, new Date(item.current_period_start * 1000), item.price.id);
      }
      return true;
    }

    if (session.mode === 'payment') {
      const line = session.line_items?.data[0];
      const pack = line?.price ? await this.plans.findPackageByPriceId(line.price.id, m) : null;
      if (!pack) {
        this.logger.warn(
          `checkout ${session.id}: price ${line?.price?.id} is not a catalog package; no credits`,
        );
        return true;
      }
      const credits = pack.usesAmount * (line?.quantity ?? 1);
      const paymentIntent = idOf(session.payment_intent);
      await m.query(
        `INSERT INTO credit_purchases (checkout_session_id, user_id, package_id, payment_intent_id, credits,
                                       amount_total, currency)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (checkout_session_id) DO NOTHING`,
        [
          session.id,
          userId,
          pack.id,
          paymentIntent,
          credits,
          session.amount_total ?? 0,
          session.currency ?? pack.currency,
        ],
      );
      await this.credits.grantPurchase(m, {
        userId,
        credits,
        checkoutSessionId: session.id,
        metadata: { package_id: pack.id, payment_intent: paymentIntent, amount_total: session.amount_total },
      });
      return true;
    }
    return false;
  }

  async markCheckoutFailed(m: EntityManager, session: Stripe.Checkout.Session): Promise<string | null> {
    const rows: Array<{ user_id: string }> = await m.query(
      `WITH u AS (UPDATE checkout_sessions SET status = 'payment_failed' WHERE id = $1 AND fulfilled_at IS NULL
                  RETURNING user_id) SELECT user_id FROM u`,
      [session.id],
    );
    return rows[0]?.user_id ?? null;
  }

  // ------------------------------------------------------------------ invoices

  /**
   * invoice.paid: a subscription's creation or renewal was paid → start that period's credits. Plan changes
   * (subscription_update) keep the current period: the new plan's allowance applies from the next period.
   */
  async applyInvoicePaid(
    m: EntityManager,
    invoice: Stripe.Invoice,
    remote: Stripe.Subscription | null,
    version: number,
  ): Promise<void> {
    if (!remote) return;
    const row = await this.applySubscription(m, remote, version);
    // An ended subscription's credits are gone for good (endSubscription runs once): a renewal paid before
    // the end but delivered after it must not grant a period nothing will ever expire.
    if (!row || ENDED.includes(row.status)) return;
    if (invoice.billing_reason !== 'subscription_create' && invoice.billing_reason !== 'subscription_cycle')
      return;
    const line =
      invoice.lines.data.find(
        (l) => l.parent?.subscription_item_details && !l.parent.subscription_item_details.proration,
      ) ?? invoice.lines.data[0];
    if (!line) return;
    const priceId = line.pricing?.price_details?.price ?? row.priceId;
    await this.startPeriod(
      m,
      row,
      new Date(line.period.start * 1000),
      typeof priceId === 'string' ? priceId : (priceId?.id ?? null),
    );
  }

  // ------------------------------------------------------------------ refunds and disputes

  /**
   * A refund or dispute can be delivered before the checkout it belongs to was fulfilled. Then the checkout
   * is read from Stripe now and fulfilled first, in the same transaction (the same idempotent fulfilment), so
   * a takeback never misses the credits it should take back.
   */
  async prepareChargeSource(paymentIntent: string | null): Promise<PreparedCheckout | null> {
    if (!paymentIntent || (await this.purchaseFor(this.db.manager, paymentIntent))) return null;
    const sessions = await this.stripe.checkout.sessions.list({ payment_intent: paymentIntent, limit: 1 });
    const session = sessions.data[0];
    return session ? this.prepareCheckout(session.id) : null;
  }

  /** Claws back purchased credits in proportion to the refunded amount; once per refund, partials add up. */
  async applyRefund(
    m: EntityManager,
    charge: Stripe.Charge,
    source?: PreparedCheckout | null,
  ): Promise<void> {
    if (source) await this.applyCheckout(m, source);
    const purchase = await this.purchaseFor(m, idOf(charge.payment_intent));
    if (!purchase || charge.amount <= 0) return;
    const target = Math.floor((purchase.credits * charge.amount_refunded) / charge.amount);
    const soFar = await this.credits.requestedSoFar(m, 'refund_clawback', 'charge', charge.id);
    const requested = target - soFar;
    if (requested <= 0) return;
    await this.credits.clawback(m, {
      userId: purchase.user_id,
      requested,
      reason: 'refund_clawback',
      key: `refund:${charge.id}:${charge.amount_refunded}`,
      sourceType: 'charge',
      sourceId: charge.id,
      metadata: { amount_refunded: charge.amount_refunded, checkout_session: purchase.checkout_session_id },
    });
  }

  /** A dispute (re-fetched: its current status decides) freezes the purchase's credits; a won one restores. */
  async applyDispute(
    m: EntityManager,
    dispute: Stripe.Dispute,
    source?: PreparedCheckout | null,
  ): Promise<void> {
    if (source) await this.applyCheckout(m, source);
    const purchase = await this.purchaseFor(m, idOf(dispute.payment_intent));
    if (!purchase) return;
    const chargeId = idOf(dispute.charge)!;
    const key = `dispute:${dispute.id}`;
    if (dispute.status !== 'won') {
      const refunded = await this.credits.requestedSoFar(m, 'refund_clawback', 'charge', chargeId);
      await this.credits.clawback(m, {
        userId: purchase.user_id,
        requested: Math.max(0, purchase.credits - refunded),
        reason: 'dispute_clawback',
        key,
        sourceType: 'dispute',
        sourceId: dispute.id,
        metadata: { charge: chargeId, status: dispute.status },
      });
      return;
    }
    const taken = await this.credits.takenBy(m, key);
    if (taken > 0) {
      await this.credits.restore(m, {
        userId: purchase.user_id,
        amount: taken,
        key: `${key}:reversal`,
        sourceId: dispute.id,
      });
    }
  }

  // ------------------------------------------------------------------ helpers

  async userIdForCustomer(m: EntityManager, customerId: string | null): Promise<string | null> {
    if (!customerId) return null;
    const rows: Array<{ id: string }> = await m.query('SELECT id FROM users WHERE customer_id = $1', [
      customerId,
    ]);
    return rows[0]?.id ?? null;
  }

  private async resolveUser(
    m: EntityManager,
    claimed: string | undefined | null,
    customerId: string | null,
  ): Promise<string | null> {
    if (claimed && /^[0-9a-f-]{36}$/i.test(claimed)) {
      const rows: Array<{ id: string; customer_id: string | null }> = await m.query(
        'SELECT id, customer_id FROM users WHERE id = $1',
        [claimed],
      );
      const user = rows[0];
      // Metadata is ours, but a customer id is Stripe's truth: they must not disagree.
      if (user && (!user.customer_id || !customerId || user.customer_id === customerId)) return user.id;
    }
    return this.userIdForCustomer(m, customerId);
  }

  private async purchaseFor(
    m: EntityManager,
    paymentIntent: string | null,
  ): Promise<{ checkout_session_id: string; user_id: string; credits: number } | null> {
    if (!paymentIntent) return null;
    const rows: Array<{ checkout_session_id: string; user_id: string; credits: number }> = await m.query(
      'SELECT checkout_session_id, user_id, credits FROM credit_purchases WHERE payment_intent_id = $1',
      [paymentIntent],
    );
    return rows[0] ?? null;
  }
}
