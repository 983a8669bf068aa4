import { overageTerms } from '../plans/plan-overage';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource, EntityManager, In, Not } from 'typeorm';
import { DomainEvents } from '../common/events/domain-events';
import { SubscriptionChanged, type SubscriptionBasis, type SubscriptionState } from '../common/facts';
import { GrantsService } from '../credits/grants.service';
import { PlansService } from '../plans/plans.service';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { UsersService } from '../users/users.service';
import { ENDED, planItem, refId } from './stripe-refs';
import { mirrorRow, subscriptionChange } from './subscription-mirror';
import { LIVE_STATUSES, Subscription, SubscriptionStatus } from './subscription.entity';

/** A Stripe read of a subscription, stamped with when it was read (the row's recency guard). */
export interface SubscriptionRead {
  subscription: Stripe.Subscription;
  version: number;
}

/**
 * Everything applying a subscription needs, read from Stripe before any transaction opens: the subscription
 * and, when it is live, a fresh read of every other row we still hold as live for the same user (null: Stripe
 * no longer has it).
 */
export interface PreparedSubscription extends SubscriptionRead {
  others: Array<{ id: string; read: SubscriptionRead | null }>;
}

const isLive = (status: string): boolean => (LIVE_STATUSES as string[]).includes(status);

/**
 * The `subscriptions` mirror: Stripe's subscriptions as rows, re-fetched rather than trusted from event
 * payloads, and a row only moves to a read at least as new as the one it holds (`stripe_version`), so late or
 * reordered events never move a subscription backwards. Stripe is read in `prepare`/`read` (no transaction
 * open); `apply` writes inside the caller's transaction and never calls Stripe.
 */
@Injectable()
export class SubscriptionSyncService {
  private readonly logger = new Logger('SubscriptionSync');

  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @InjectDataSource() private readonly db: DataSource,
    private readonly credits: GrantsService,
    private readonly plans: PlansService,
    private readonly users: UsersService,
    private readonly events: DomainEvents,
  ) {}

  /** Stripe's subscription now, or null when Stripe does not know it (404). */
  async fetchSubscription(id: string): Promise<Stripe.Subscription | null> {
    try {
      return await this.stripe.subscriptions.retrieve(id);
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) return null;
      throw err;
    }
  }

  async fetchRead(id: string): Promise<SubscriptionRead | null> {
    const version = Date.now();
    const subscription = await this.fetchSubscription(id);
    return subscription ? { subscription, version } : null;
  }

  /** Reads a subscription from Stripe and prepares it (null when Stripe does not know it). */
  async read(id: string): Promise<PreparedSubscription | null> {
    const read = await this.fetchRead(id);
    return read ? this.prepare(read) : null;
  }

  /**
   * At most one live subscription per user (a unique index). Before a live subscription is stored, any other
   * row we still hold as live is re-read from Stripe here, outside the transaction: usually it has ended and
   * we missed or have not yet seen that event.
   */
  async prepare(read: SubscriptionRead): Promise<PreparedSubscription> {
    const s = read.subscription;
    if (!isLive(s.status)) return { ...read, others: [] };
    const userId = await this.users.resolveStripeOwner(
      this.db.manager,
      s.metadata?.user_id,
      refId(s.customer),
    );
    if (!userId) return { ...read, others: [] };
    const rows = await this.db
      .getRepository(Subscription)
      .find({ where: { userId, id: Not(s.id), status: In(LIVE_STATUSES) }, select: { id: true } });
    const others = [];
    for (const { id } of rows) others.push({ id, read: await this.fetchRead(id) });
    return { ...read, others };
  }

  /**
   * Stripe says a customer's entitlements changed: re-read their live subscription (null: not our customer, or
   * no live subscription we know of), so the mirror and the entitlements it derives catch up.
   */
  async readForCustomer(customerId: string): Promise<PreparedSubscription | null> {
    const userId = await this.users.resolveStripeOwner(this.db.manager, undefined, customerId);
    const live = userId ? await this.liveSubscription(userId) : null;
    return live ? this.read(live.id) : null;
  }

  /** Reads from Stripe, then applies in its own transaction (routes and checks outside any webhook). */
  async syncSubscription(subscriptionId: string): Promise<Subscription | null> {
    const prepared = await this.read(subscriptionId);
    if (!prepared) return null;
    return this.db.transaction((m) => this.apply(m, prepared));
  }

  /**
   * Stores the prepared reads. If Stripe says another subscription of the user is live too, that is a genuine
   * duplicate: fail loudly (a webhook retries and lands in `dead`, visible in /admin/webhook-events) rather
   * than guess which one to keep. Returns the stored row (null when it is not one of our users').
   */
  async apply(m: EntityManager, prepared: PreparedSubscription): Promise<Subscription | null> {
    for (const other of prepared.others) {
      if (other.read) await this.upsert(m, other.read);
      else await m.getRepository(Subscription).update({ id: other.id }, { status: 'canceled' });
      if (other.read && isLive(other.read.subscription.status)) {
        throw new Error(
          `two live subscriptions in Stripe for one user (${other.id}, ${prepared.subscription.id})`,
        );
      }
    }
    return this.upsert(m, prepared);
  }

  /** The user's live subscription (trialing, active, past_due, unpaid, paused), newest first. */
  async liveSubscription(userId: string): Promise<Subscription | null> {
    return this.db.getRepository(Subscription).findOne({
      where: { userId, status: In(LIVE_STATUSES) },
      order: { createdAt: 'DESC' },
    });
  }

  /** What the user's entitlements derive from, read in the caller's transaction: live subscription, version. */
  private async basis(m: EntityManager, userId: string): Promise<SubscriptionBasis> {
    const repo = m.getRepository(Subscription);
    const live = await repo.findOne({
      where: { userId, status: In(LIVE_STATUSES) },
      order: { createdAt: 'DESC' },
    });
    const { version } = (await repo
      .createQueryBuilder('s')
      .select('COALESCE(MAX(s.stripe_version), 0)', 'version')
      .where('s.user_id = :userId', { userId })
      .getRawOne<{ version: string }>())!;
    return {
      version: Number(version),
      live: live
        ? { id: live.id, status: live.status, priceId: live.priceId, pastDueSince: live.pastDueSince }
        : null,
    };
  }

  /**
   * Upserts the mirror row from a Stripe read, only if this read is at least as new as the stored one, then
   * publishes SubscriptionChanged (outbound reports it; entitlements derive from it) in the same transaction.
   */
  private async upsert(m: EntityManager, { subscription: s, version }: SubscriptionRead) {
    const customerId = refId(s.customer)!;
    const userId = await this.users.resolveStripeOwner(m, s.metadata?.user_id, customerId);
    if (!userId) {
      this.logger.warn(`subscription ${s.id}: customer ${customerId} is not a Tollgate user; ignored`);
      return null;
    }
    const priceId = planItem(s)?.price?.id ?? null;
    const plan = priceId ? await this.plans.planForPrice(m, priceId) : null;
    const row = mirrorRow(s, { userId, planId: plan?.id ?? null, version });
    // The row as it was, so the fact says what changed. Two transactions mirroring the same new subscription
    // (its checkout and its own event) would both find no row: this lock makes the second wait and see the
    // first's row, so exactly one reports it created.
    await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`subscription:${s.id}`]);
    const [before]: SubscriptionState[] = await m.query(
      `SELECT ${MIRROR_STATE} FROM subscriptions WHERE id = $1 FOR UPDATE`,
      [s.id],
    );
    // The row as written (no row: an older read, nothing changed).
    const [after]: Array<SubscriptionState | undefined> = await m.query(UPSERT_SQL, [
      row.id,
      row.userId,
      row.customerId,
      row.status,
      row.planId,
      row.priceId,
      row.currency,
      row.currentPeriodStart,
      row.currentPeriodEnd,
      row.trialStart,
      row.trialEnd,
      row.cancelAtPeriodEnd,
      row.cancelAt,
      row.canceledAt,
      row.endedAt,
      row.stripeVersion,
    ]);
    if (after) {
      const change = subscriptionChange(before ?? null, after);
      await this.events.publish(
        m,
        new SubscriptionChanged(userId, s.id, before ?? null, after, change, () => this.basis(m, userId)),
      );
      if (s.trial_end) await this.users.markTrialUsed(m, userId);
      if (ENDED.includes(s.status as SubscriptionStatus)) {
        await this.credits.endSubscription(m, { userId, subscriptionId: s.id });
      } else if (startsAccess(before ?? null, after) && row.currentPeriodStart) {
        // The first time the mirror holds it trialing or active, its first period's credits come with it, in
        // this transaction, so no read sees the subscription without them (whichever event arrives first;
        // the period is applied once, so invoice.paid for it later changes nothing).
        await this.credits.startPeriod(m, {
          userId,
          subscriptionId: s.id,
          periodStart: row.currentPeriodStart,
          periodEnd: row.currentPeriodEnd,
          allowance: plan?.monthlyUses ?? 0,
          planId: plan?.id ?? null,
          // no overage while trialing: Stripe bills a trial's usage at zero
          overage: after.status === 'active' ? overageTerms(plan, row.currency) : null,
        });
      } else if (
        before &&
        before.planId !== after.planId &&
        after.status === 'active' &&
        row.currentPeriodStart
      ) {
        // A plan change: the new plan's overage terms from now on (the period's overage used so far counts).
        await this.credits.changeOverageTerms(m, {
          userId,
          periodStart: row.currentPeriodStart,
          periodEnd: row.currentPeriodEnd,
          overage: overageTerms(plan, row.currency),
        });
      }
    }
    return m.getRepository(Subscription).findOne({ where: { id: s.id } });
  }
}

/** Trialing or active for the first time: no row before, or one that was still incomplete. */
const startsAccess = (before: SubscriptionState | null, after: SubscriptionState): boolean =>
  (after.status === 'trialing' || after.status === 'active') && (!before || before.status === 'incomplete');

/** The mirror's fields a change reports, named as SubscriptionState names them. */
const MIRROR_STATE = `status, plan_id AS "planId", price_id AS "priceId", currency,
  cancel_at_period_end AS "cancelAtPeriodEnd", cancel_at AS "cancelAt", canceled_at AS "canceledAt",
  ended_at AS "endedAt", current_period_start AS "currentPeriodStart", current_period_end AS "currentPeriodEnd",
  trial_end AS "trialEnd"`;

/** Insert or move forwards: a read older than the stored one changes nothing (no row back). */
const UPSERT_SQL = `INSERT INTO subscriptions AS cur (id, user_id, customer_id, status, plan_id, price_id, currency,
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
  RETURNING ${MIRROR_STATE}`;
