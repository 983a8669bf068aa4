import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { appConfig, AppConfig } from '../config/app.config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors';
import { UsersService } from '../users/users.service';
import type { CreditBreakdown, CreditBucket, CreditReason } from './credit.types';
import { ledgerHas, readBreakdown, requestedSoFar, takenBy } from './ledger/ledger-queries';
import { LedgerService, Movement, type OveragePolicy } from './ledger/ledger.service';

/** A grant's key for a paid checkout: a refund of that payment claws back from this grant first. */
const purchaseKey = (checkoutSessionId: string) => `purchase:${checkoutSessionId}`;

/** A paid credit pack, as checkout fulfilment hands it over. */
export interface CreditPurchase {
  userId: string;
  checkoutSessionId: string;
  packageId: number | null;
  paymentIntentId: string | null;
  credits: number;
  amountTotal: number;
  currency: string;
  /** The pack's credits expire this many days after the purchase (the catalog's expires_in_days); null: never. */
  expiresInDays?: number | null;
}

export interface RecordedPurchase {
  checkoutSessionId: string;
  userId: string;
  credits: number;
}

/**
 * Credits in and out for a cause other than spending: purchases, subscription periods, clawbacks and their
 * reversals, operator adjustments — the commands Payments and Admin call, each posted through the ledger in
 * the caller's transaction. Owns `credit_purchases` (what each pack granted) and `credit_periods` (the last
 * period applied per subscription).
 */
@Injectable()
export class GrantsService {
  /** A period's allowance outlives the period by the past-due grace (Stripe retries a renewal's payment). */
  private readonly graceMs: number;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly ledger: LedgerService,
    private readonly users: UsersService,
    @Inject(appConfig.KEY) app: AppConfig,
  ) {
    this.graceMs = app.pastDueGraceDays * 86_400_000;
  }

  /**
   * A paid one-time checkout: records the purchase (refunds and disputes find it by payment intent) and adds
   * its credits to purchased, once per checkout session.
   */
  async grantPurchase(m: EntityManager, p: CreditPurchase): Promise<boolean> {
    await m.query(
      `INSERT INTO credit_purchases (checkout_session_id, user_id, package_id, payment_intent_id, credits,
                                     amount_total, currency)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (checkout_session_id) DO NOTHING`,
      [p.checkoutSessionId, p.userId, p.packageId, p.paymentIntentId, p.credits, p.amountTotal, p.currency],
    );
    const { applied } = await this.ledger.post(m, p.userId, () => ({
      cause: {
        kind: 'purchase',
        checkoutSessionId: p.checkoutSessionId,
        packageId: p.packageId,
        paymentIntentId: p.paymentIntentId,
        amountTotal: p.amountTotal,
      },
      movements: [
        {
          kind: 'grant',
          bucket: 'purchased',
          amount: p.credits,
          source: 'purchase',
          grantSourceId: p.checkoutSessionId,
          expiresAt: p.expiresInDays ? new Date(Date.now() + p.expiresInDays * 86_400_000) : null,
          reason: 'purchase',
          key: purchaseKey(p.checkoutSessionId),
          sourceType: 'checkout_session',
          sourceId: p.checkoutSessionId,
          metadata: {
            package_id: p.packageId,
            payment_intent: p.paymentIntentId,
            amount_total: p.amountTotal,
          },
        },
      ],
    }));
    return applied.length > 0;
  }

  /** The credit pack bought with this payment intent, if we granted one. */
  async purchaseByPaymentIntent(
    m: EntityManager,
    paymentIntentId: string | null,
  ): Promise<RecordedPurchase | null> {
    if (!paymentIntentId) return null;
    const rows: Array<{ checkout_session_id: string; user_id: string; credits: number }> = await m.query(
      'SELECT checkout_session_id, user_id, credits FROM credit_purchases WHERE payment_intent_id = $1',
      [paymentIntentId],
    );
    const row = rows[0];
    return row
      ? { checkoutSessionId: row.checkout_session_id, userId: row.user_id, credits: row.credits }
      : null;
  }

  /**
   * A subscription period starts (first period or a paid renewal): the previous period's grant expires and
   * the plan's allowance is granted, as ONE posting (so a renewal is never seen as a drop in the balance). The
   * new grant expires at the period's end plus the past-due grace, unless the next renewal expires it first:
   * Stripe pays renewals after the period ends, and a subscriber must not sit at 0 meanwhile. Applied once
   * per (subscription, period) and only forwards: a period older than or equal to the last one applied
   * (duplicate, late or out-of-order event) changes nothing.
   */
  async startPeriod(
    m: EntityManager,
    p: {
      userId: string;
      subscriptionId: string;
      periodStart: Date;
      periodEnd?: Date | null;
      allowance: number;
      planId?: number | null;
      /** The period's overage terms (null or absent: none — consumes stop at the balance). */
      overage?: Omit<OveragePolicy, 'periodStart' | 'periodEnd'> | null;
    },
  ): Promise<boolean> {
    let started = false;
    await this.ledger.post(m, p.userId, async () => {
      // Serialized by the ledger's balance lock (one subscription belongs to one user).
      const advanced: Array<{ previous: Date | null }> = await m.query(
        `WITH prev AS (SELECT period_start FROM credit_periods WHERE subscription_id = $1),
         upd AS (
           INSERT INTO credit_periods AS cur (subscription_id, user_id, period_start) VALUES ($1, $2, $3)
           ON CONFLICT (subscription_id) DO UPDATE SET period_start = EXCLUDED.period_start, updated_at = now()
            WHERE cur.period_start < EXCLUDED.period_start
           RETURNING 1)
         SELECT (SELECT period_start FROM prev) AS previous FROM upd`,
        [p.subscriptionId, p.userId, p.periodStart],
      );
      if (advanced.length === 0) return null;
      const key = `period:${p.subscriptionId}:${Math.floor(p.periodStart.getTime() / 1000)}`;
      // Periods applied before credit_periods existed are known to the ledger.
      if (await ledgerHas(m, p.userId, `${key}:grant`)) return null;
      started = true;
      const first = advanced[0].previous === null;
      // The new period's overage terms replace the last period's (its count starts at zero).
      await this.ledger.setOveragePolicy(
        m,
        p.userId,
        p.overage && p.periodEnd
          ? { ...p.overage, periodStart: p.periodStart, periodEnd: p.periodEnd }
          : null,
      );
      const source = { sourceType: 'subscription', sourceId: p.subscriptionId };
      const movements: Movement[] = (await this.periodGrants(m, p.userId, p.subscriptionId)).map((id) => ({
        kind: 'end_grant',
        grantId: id,
        end: 'expired',
        reason: 'period_expiry',
        key: `${key}:expire:${id}`,
        ...source,
      }));
      if (p.allowance > 0)
        movements.push({
          kind: 'grant',
          bucket: 'monthly',
          amount: p.allowance,
          source: 'period',
          grantSourceId: p.subscriptionId,
          expiresAt: p.periodEnd ? new Date(p.periodEnd.getTime() + this.graceMs) : null,
          reason: first ? 'subscription_grant' : 'period_reset',
          key: `${key}:grant`,
          ...source,
          metadata: { period_start: p.periodStart.toISOString(), plan_id: p.planId ?? null },
        });
      const periodStart = p.periodStart.toISOString();
      return {
        cause: {
          kind: 'period',
          subscriptionId: p.subscriptionId,
          periodStart,
          first,
          allowance: p.allowance,
        },
        movements,
      };
    });
    return started;
  }

  /** The subscription's period grants not ended yet (monthly credits that predate grants included). */
  private async periodGrants(m: EntityManager, userId: string, subscriptionId: string): Promise<string[]> {
    const rows: Array<{ id: string }> = await m.query(
      `SELECT id FROM credit_grants
        WHERE user_id = $1 AND bucket = 'monthly' AND voided_at IS NULL AND expired_at IS NULL
          AND ((source = 'period' AND source_id = $2) OR source = 'migration')
        ORDER BY created_at, id`,
      [userId, subscriptionId],
    );
    return rows.map((r) => r.id);
  }

  /** The start of the last period whose credits were applied for this subscription (null: none yet). */
  async lastPeriodStart(subscriptionId: string): Promise<Date | null> {
    const rows: Array<{ period_start: Date }> = await this.db.query(
      'SELECT period_start FROM credit_periods WHERE subscription_id = $1',
      [subscriptionId],
    );
    return rows[0]?.period_start ?? null;
  }

  /**
   * The current period's overage terms changed (a plan change): the new terms apply from now on, and what the
   * period has used so far still counts against the cap.
   */
  async changeOverageTerms(
    m: EntityManager,
    p: {
      userId: string;
      periodStart: Date;
      periodEnd: Date | null;
      overage: Omit<OveragePolicy, 'periodStart' | 'periodEnd'> | null;
    },
  ): Promise<void> {
    await this.ledger.post(m, p.userId, async () => {
      await this.ledger.setOveragePolicy(
        m,
        p.userId,
        p.overage && p.periodEnd
          ? { ...p.overage, periodStart: p.periodStart, periodEnd: p.periodEnd }
          : null,
      );
      return null;
    });
  }

  /** A subscription ended: its monthly credits end with it (each period grant once). */
  async endSubscription(m: EntityManager, p: { userId: string; subscriptionId: string }): Promise<boolean> {
    const { applied } = await this.ledger.post(m, p.userId, async () => {
      await this.ledger.setOveragePolicy(m, p.userId, null); // no overage past the subscription's end
      const grants = await this.periodGrants(m, p.userId, p.subscriptionId);
      if (grants.length === 0) return null;
      return {
        cause: { kind: 'subscription_ended', subscriptionId: p.subscriptionId },
        movements: grants.map((id) => ({
          kind: 'end_grant' as const,
          grantId: id,
          end: 'expired' as const,
          reason: 'subscription_ended' as const,
          key: `ended:${p.subscriptionId}:${id}`,
          sourceType: 'subscription',
          sourceId: p.subscriptionId,
        })),
      };
    });
    return applied.length > 0;
  }

  /**
   * Takes back purchased credits (refund or dispute): from the purchase's own grant first, then from the
   * purchased bucket in consumption order. What was already spent cannot be taken: it is recorded as
   * `shortfall` in the first row's metadata instead of driving the balance negative. Returns the amount taken
   * (undefined: this key was applied before).
   */
  async clawback(
    m: EntityManager,
    p: {
      userId: string;
      /** The checkout whose grant gives first. */
      checkoutSessionId?: string;
      requested: number;
      reason: 'refund_clawback' | 'dispute_clawback';
      key: string;
      sourceType: string;
      sourceId: string;
      metadata?: Record<string, unknown>;
    },
  ): Promise<number | undefined> {
    let fresh = false;
    await this.ledger.post(m, p.userId, async () => {
      if (await ledgerHas(m, p.userId, p.key)) return null;
      fresh = true;
      const own: Array<{ id: string }> = p.checkoutSessionId
        ? await m.query('SELECT id FROM credit_grants WHERE user_id = $1 AND idempotency_key = $2', [
            p.userId,
            purchaseKey(p.checkoutSessionId),
          ])
        : [];
      return {
        cause: {
          kind: 'clawback',
          reason: p.reason,
          requested: p.requested,
          sourceType: p.sourceType,
          sourceId: p.sourceId,
        },
        movements: [
          {
            kind: 'take',
            amount: p.requested,
            partial: true,
            bucket: 'purchased',
            first: own[0]?.id ?? null,
            reason: p.reason,
            key: p.key,
            sourceType: p.sourceType,
            sourceId: p.sourceId,
            metadata: p.metadata,
          },
        ],
      };
    });
    return fresh ? takenBy(m, p.userId, p.key) : undefined;
  }

  /** Gives back credits a dispute froze, when the dispute is won: a purchased grant, once per dispute. */
  async restore(
    m: EntityManager,
    p: { userId: string; amount: number; key: string; sourceId: string },
  ): Promise<boolean> {
    const { applied } = await this.ledger.post(m, p.userId, () => ({
      cause: { kind: 'dispute_reversal', disputeId: p.sourceId },
      movements: [
        {
          kind: 'grant',
          bucket: 'purchased',
          amount: p.amount,
          source: 'purchase',
          grantSourceId: p.sourceId,
          reason: 'dispute_reversal',
          key: p.key,
          sourceType: 'dispute',
          sourceId: p.sourceId,
        },
      ],
    }));
    return applied.length > 0;
  }

  /** Sum of `metadata.requested` over a user's earlier takebacks of one source (e.g. all refunds of a charge). */
  requestedSoFar(
    m: EntityManager,
    userId: string,
    reason: CreditReason,
    sourceType: string,
    sourceId: string,
  ): Promise<number> {
    return requestedSoFar(m, userId, reason, sourceType, sourceId);
  }

  /** How much a takeback really took, e.g. to restore a won dispute. */
  takenBy(m: EntityManager, userId: string, key: string): Promise<number> {
    return takenBy(m, userId, key);
  }

  /**
   * The operator adjustment of `POST /admin/users/{id}/credits`, audited in the ledger with who and why: a
   * positive amount is an admin grant with no expiry; a negative one is taken from that bucket in consumption
   * order (402 when the bucket holds less, nothing changed).
   */
  async adjust(p: {
    userId: string;
    bucket: CreditBucket;
    amount: number;
    note: string;
    actorId: string;
    idempotencyKey?: string;
  }): Promise<CreditBreakdown> {
    return this.db.transaction(async (m) => {
      await this.users.assertExists(m, p.userId);
      const key = `admin:${p.userId}:${p.idempotencyKey ?? randomUUID()}`;
      const row = {
        reason: 'admin_adjustment' as const,
        key,
        sourceType: 'admin',
        sourceId: p.actorId,
        metadata: { note: p.note, actor_id: p.actorId },
      };
      await this.ledger.post(m, p.userId, (balance) => {
        if (balance[p.bucket] + p.amount < 0)
          throw new AppError(
            ErrorCode.InsufficientCredits,
            `The ${p.bucket} balance is only ${balance[p.bucket]}.`,
          );
        const movement: Movement =
          p.amount > 0
            ? {
                kind: 'grant',
                bucket: p.bucket,
                amount: p.amount,
                source: 'admin',
                grantSourceId: p.actorId,
                note: p.note,
                ...row,
              }
            : { kind: 'take', bucket: p.bucket, amount: -p.amount, ...row };
        return { cause: { kind: 'adjustment', actorId: p.actorId, note: p.note }, movements: [movement] };
      });
      return readBreakdown(m, p.userId);
    });
  }
}
