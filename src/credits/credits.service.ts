import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CannotExecuteNotConnectedError, DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors';
import { databaseConfig, DatabaseConfig } from '../config/database.config';
import { countOf, type RetentionTarget } from '../common/db/retention-target';
import { OutboundEventsService } from '../outbound/outbound-events.service';
import { TollgateMetrics } from '../metrics/metrics.service';
import { UsersService } from '../users/users.service';
import type { ConsumeReceipt, CreditBreakdown, CreditBucket, CreditReason, LedgerRow } from './credit.types';

interface Balance {
  monthly: number;
  purchased: number;
}

/** A paid credit pack, as checkout fulfilment hands it over. */
export interface CreditPurchase {
  userId: string;
  checkoutSessionId: string;
  packageId: number | null;
  paymentIntentId: string | null;
  credits: number;
  amountTotal: number;
  currency: string;
}

export interface RecordedPurchase {
  checkoutSessionId: string;
  userId: string;
  credits: number;
}

interface Movement {
  bucket: CreditBucket;
  amount: number;
  reason: CreditReason;
  key: string;
  sourceType?: string;
  sourceId?: string;
  metadata?: Record<string, unknown>;
}

/**
 * The consume hot path as one atomic statement ($1 user id, $2 amount, $3 operation, $4 reason): lock the
 * balance row, decrement monthly first then purchased only if the total covers the amount, and append one
 * ledger row per bucket touched. No row back means "not enough credits" and nothing changed. Exported so the
 * benchmark can run the very same SQL without the HTTP stack.
 */
export const CONSUME_SQL = `WITH cur AS (
     SELECT user_id, monthly, purchased FROM credit_balances WHERE user_id = $1 FOR UPDATE
   ), upd AS (
     UPDATE credit_balances b
        SET monthly = cur.monthly - LEAST(cur.monthly, $2::int),
            purchased = cur.purchased - ($2::int - LEAST(cur.monthly, $2::int)),
            updated_at = now()
       FROM cur
      WHERE b.user_id = cur.user_id AND cur.monthly + cur.purchased >= $2::int
     RETURNING b.monthly, b.purchased, LEAST(cur.monthly, $2::int) AS from_monthly,
               $2::int - LEAST(cur.monthly, $2::int) AS from_purchased
   ), led AS (
     INSERT INTO credit_ledger (user_id, bucket, amount, balance_after, reason, source_type, source_id,
                                idempotency_key, metadata)
     SELECT $1, x.bucket, -x.taken, x.after, 'consume', 'consume', $3::text, $3::text || ':' || x.bucket,
            jsonb_build_object('reason', $4::text)
       FROM upd, LATERAL (VALUES ('monthly', upd.from_monthly, upd.monthly),
                                 ('purchased', upd.from_purchased, upd.purchased)) AS x(bucket, taken, after)
      WHERE x.taken > 0
   )
   SELECT monthly, purchased, from_monthly, from_purchased FROM upd`;

/** The part of pg.Pool the prepared consume uses (TypeORM's driver holds the pool as `master`). */
interface PreparedPool {
  query<R>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
}

export interface ConsumeSqlRow {
  monthly: number;
  purchased: number;
  from_monthly: number;
  from_purchased: number;
}

export interface LedgerMismatch {
  user_id: string;
  bucket: string;
  balance: number;
  ledger: number;
}

/** Recomputes every balance from the ledger (also `npm run credits:verify`, without the Nest app). */
export async function verifyLedger(m: EntityManager): Promise<LedgerMismatch[]> {
  return m.query(`
    WITH sums AS (
      SELECT user_id,
             COALESCE(SUM(amount) FILTER (WHERE bucket = 'monthly'), 0)::int AS monthly,
             COALESCE(SUM(amount) FILTER (WHERE bucket = 'purchased'), 0)::int AS purchased
        FROM credit_ledger GROUP BY user_id
    ), joined AS (
      SELECT COALESCE(b.user_id, s.user_id) AS user_id, COALESCE(b.monthly, 0) AS bm, COALESCE(b.purchased, 0) AS bp,
             COALESCE(s.monthly, 0) AS lm, COALESCE(s.purchased, 0) AS lp
        FROM credit_balances b FULL OUTER JOIN sums s ON s.user_id = b.user_id
    )
    SELECT user_id, 'monthly' AS bucket, bm AS balance, lm AS ledger FROM joined WHERE bm <> lm
    UNION ALL
    SELECT user_id, 'purchased', bp, lp FROM joined WHERE bp <> lp`);
}

/**
 * Retention of Idempotency-Key records (never of the ledger): a key older than the window is forgotten, and a
 * request repeating it after that is a new consume. Deleted oldest first, by the created_at index.
 */
export const CONSUME_REQUESTS_RETENTION: RetentionTarget = {
  table: 'consume_requests',
  count: (db, before) =>
    countOf(db, 'SELECT count(*)::int AS n FROM consume_requests WHERE created_at < $1', [before]),
  pruneBatch: (db, before, limit) =>
    countOf(
      db,
      `WITH d AS (DELETE FROM consume_requests WHERE (user_id, idempotency_key) IN (
                    SELECT user_id, idempotency_key FROM consume_requests WHERE created_at < $1
                     ORDER BY created_at LIMIT $2)
                  RETURNING 1)
       SELECT count(*)::int AS n FROM d`,
      [before, limit],
    ),
};

/**
 * The ONLY code that moves credits. Every change is a ledger row with a reason and a unique idempotency key
 * tied to its cause; the per-user balance changes in the same transaction; CHECK constraints keep every
 * balance >= 0. Grants and takebacks lock the user's balance row, so concurrent operations on one user
 * serialize, and a repeated key is a no-op.
 */
@Injectable()
export class CreditsService {
  private readonly logger = new Logger('Credits');
  /** Embedded PGlite is one database session behind every connection: a named statement outlives its client. */
  private readonly prepare: boolean;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    @Inject(databaseConfig.KEY) database: DatabaseConfig,
    private readonly outbound: OutboundEventsService,
    private readonly metrics: TollgateMetrics,
  ) {
    this.prepare = !database.embedded;
  }

  // ---------------------------------------------------------------- reads

  async breakdown(userId: string): Promise<CreditBreakdown> {
    return this.breakdownIn(this.db.manager, userId);
  }

  private async breakdownIn(m: EntityManager, userId: string): Promise<CreditBreakdown> {
    const rows: Array<Balance> = await m.query(
      'SELECT monthly, purchased FROM credit_balances WHERE user_id = $1',
      [userId],
    );
    const b = rows[0] ?? { monthly: 0, purchased: 0 };
    return {
      monthly_credits: b.monthly,
      purchased_credits: b.purchased,
      total_credits: b.monthly + b.purchased,
    };
  }

  /** Newest first; the cursor is the last id seen. */
  async ledger(
    userId: string,
    limit: number,
    before?: string,
  ): Promise<{ entries: LedgerRow[]; next_cursor: string | null }> {
    const rows: LedgerRow[] = await this.db.query(
      `SELECT id::text, user_id, bucket, amount, balance_after, reason, source_type, source_id, idempotency_key,
              metadata, created_at
         FROM credit_ledger
        WHERE user_id = $1 AND ($2::bigint IS NULL OR id < $2::bigint)
        ORDER BY credit_ledger.id DESC
        LIMIT $3`,
      [userId, before ?? null, limit + 1],
    );
    const more = rows.length > limit;
    const entries = rows.slice(0, limit);
    return { entries, next_cursor: more ? entries[entries.length - 1].id : null };
  }

  // ---------------------------------------------------------------- consume (hot path)

  /**
   * All-or-nothing, monthly first. One atomic statement: lock the balance row, decrement only if the total
   * covers `amount`, and write the ledger rows — no read-modify-write race, on one instance or many.
   * With an idempotency key, a retry returns the original result; the same key with another body is 409.
   */
  async consume(
    userId: string,
    amount: number,
    reason: string,
    idempotencyKey?: string,
    fingerprint?: string,
  ): Promise<ConsumeReceipt> {
    try {
      return await this.consumeAtomically(userId, amount, reason, idempotencyKey, fingerprint);
    } catch (err) {
      throw await this.explainInsufficient(err, userId, amount);
    }
  }

  /**
   * A refused consume says what was asked and what is there (read after the refusal, outside its statement:
   * informative, not a promise). With nothing at all it keeps the spec's "No credits available" message.
   */
  private async explainInsufficient(err: unknown, userId: string, amount: number): Promise<unknown> {
    if (!(err instanceof AppError) || err.code !== ErrorCode.InsufficientCredits) return err;
    const available = await this.breakdown(userId).then(
      (b) => b.total_credits,
      () => undefined,
    );
    if (available === undefined) return err;
    const details = { requested: amount, available };
    if (available === 0) return new AppError(ErrorCode.InsufficientCredits, undefined, details);
    return new AppError(
      ErrorCode.InsufficientCredits,
      `Not enough credits: ${amount} requested, ${available} available. Please purchase credits or upgrade your plan.`,
      details,
    );
  }

  private async consumeAtomically(
    userId: string,
    amount: number,
    reason: string,
    idempotencyKey?: string,
    fingerprint?: string,
  ): Promise<ConsumeReceipt> {
    // Only while an endpoint subscribes to a consumption event does the hot path pay for a transaction.
    const emit = await this.outbound.watchesConsumption();
    if (!idempotencyKey) {
      const operation = `consume:${randomUUID()}`;
      if (emit)
        return this.db.transaction((m) => this.consumeOnce(m, userId, amount, reason, operation, true));
      return this.prepare
        ? this.consumePrepared(userId, amount, reason, operation)
        : this.consumeOnce(this.db.manager, userId, amount, reason, operation, false);
    }
    // `fingerprint`: what else makes the request (a @ConsumesCredits route's body), so another body is 409.
    const request = fingerprint === undefined ? { amount, reason } : { amount, reason, fingerprint };
    const hash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    return this.db.transaction(async (m) => {
      const inserted: unknown[] = await m.query(
        `INSERT INTO consume_requests (user_id, idempotency_key, request_hash, response)
         VALUES ($1, $2, $3, '{}') ON CONFLICT DO NOTHING RETURNING 1`,
        [userId, idempotencyKey, hash],
      );
      if (inserted.length === 0) {
        const [prior]: Array<{ request_hash: string; response: ConsumeReceipt }> = await m.query(
          'SELECT request_hash, response FROM consume_requests WHERE user_id = $1 AND idempotency_key = $2',
          [userId, idempotencyKey],
        );
        if (prior.request_hash !== hash) throw new AppError(ErrorCode.IdempotencyKeyReused);
        return { ...prior.response, replayed: true };
      }
      // The consume_requests row above is what makes the key idempotent. The ledger operation is unique per
      // attempt: a retry after a refunded failure (refundConsume deletes that row) is a new charge, and must
      // not collide with the first attempt's ledger keys; nor may a long key overflow the ledger's columns.
      const receipt = await this.consumeOnce(m, userId, amount, reason, `consume:${randomUUID()}`, emit);
      await m.query('UPDATE consume_requests SET response = $3 WHERE user_id = $1 AND idempotency_key = $2', [
        userId,
        idempotencyKey,
        JSON.stringify(receipt),
      ]);
      return receipt;
    });
  }

  /**
   * The hot path on PostgreSQL, outside any transaction: CONSUME_SQL as a named prepared statement on the pool
   * (one statement is atomic on its own). PostgreSQL parses and plans it once per connection instead of on
   * every call, which is most of what the statement costs the database besides the row lock.
   */
  private async consumePrepared(userId: string, amount: number, reason: string, operation: string) {
    const pool = (this.db.driver as unknown as { master?: PreparedPool }).master;
    // No pool once the DataSource lost its connection: an outage (503), not a TypeError (500).
    if (!pool) throw new CannotExecuteNotConnectedError();
    const values = [userId, amount, operation, reason];
    let rows: ConsumeSqlRow[];
    try {
      ({ rows } = await pool.query<ConsumeSqlRow>({
        name: 'tollgate_consume_v1',
        text: CONSUME_SQL,
        values,
      }));
    } catch (err) {
      // As TypeORM reports it, so the error filter maps timeouts and outages the same way on every path.
      throw new QueryFailedError(CONSUME_SQL, values, err as Error);
    }
    return this.receipt(null, rows[0], amount, operation);
  }

  private async consumeOnce(
    m: EntityManager,
    userId: string,
    amount: number,
    reason: string,
    operation: string,
    emit: boolean,
  ): Promise<ConsumeReceipt> {
    const rows: ConsumeSqlRow[] = await m.query(CONSUME_SQL, [userId, amount, operation, reason]);
    const receipt = this.receipt(m, rows[0], amount, operation);
    if (emit) {
      const data = {
        amount,
        reason,
        operation,
        from_monthly: receipt.from_monthly,
        from_purchased: receipt.from_purchased,
        monthly_credits: receipt.monthly_credits,
        purchased_credits: receipt.purchased_credits,
        total_credits: receipt.credits_remaining,
      };
      await this.outbound.emit(m, { type: 'credits.consumed', userId, data });
      const after = receipt.credits_remaining;
      await this.outbound.emitBalanceCrossings(m, userId, after + amount, after, {
        cause: 'consume',
        operation,
      });
    }
    return receipt;
  }

  private receipt(
    m: EntityManager | null,
    row: ConsumeSqlRow | undefined,
    amount: number,
    operation: string,
  ): ConsumeReceipt {
    if (!row) {
      this.metrics.consumeFailed('insufficient_credits');
      this.logger.log({ amount }, `consume refused: insufficient credits for ${amount}`);
      throw new AppError(ErrorCode.InsufficientCredits);
    }
    this.metrics.consume(m, amount);
    return {
      consumed: amount,
      credits_remaining: row.monthly + row.purchased,
      monthly_credits: row.monthly,
      purchased_credits: row.purchased,
      operation,
      from_monthly: row.from_monthly,
      from_purchased: row.from_purchased,
    };
  }

  /**
   * Stores a @ConsumesCredits handler's response beside the receipt of its Idempotency-Key, so a retry with
   * the same key replays it instead of running the action again.
   */
  async recordAction(userId: string, idempotencyKey: string, response: unknown): Promise<void> {
    await this.db.query(
      `UPDATE consume_requests SET response = response || jsonb_build_object('action', $3::jsonb)
        WHERE user_id = $1 AND idempotency_key = $2`,
      [userId, idempotencyKey, JSON.stringify(response ?? null)],
    );
  }

  /**
   * Gives back what a consume took, to the buckets it came from (a failed in-app action). Idempotent.
   * A replayed receipt (an Idempotency-Key retry) is not refunded: that charge belongs to the original,
   * successful request.
   */
  async refundConsume(userId: string, receipt: ConsumeReceipt): Promise<void> {
    if (receipt.replayed) return;
    await this.db.transaction(async (m) => {
      const balance = await this.lockBalance(m, userId);
      // A retry with the same Idempotency-Key must pay again: the refunded attempt no longer counts.
      await m.query(`DELETE FROM consume_requests WHERE user_id = $1 AND response->>'operation' = $2`, [
        userId,
        receipt.operation,
      ]);
      for (const [bucket, amount] of [
        ['monthly', receipt.from_monthly],
        ['purchased', receipt.from_purchased],
      ] as const) {
        if (amount > 0) {
          await this.move(m, userId, balance, {
            bucket,
            amount,
            reason: 'consume_refund',
            key: `${receipt.operation}:refund:${bucket}`,
            sourceType: 'consume',
            sourceId: receipt.operation,
          });
        }
      }
    });
  }

  // ---------------------------------------------------------------- grants and takebacks

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
    const balance = await this.lockBalance(m, p.userId);
    const moved = await this.move(m, p.userId, balance, {
      bucket: 'purchased',
      amount: p.credits,
      reason: 'purchase',
      key: `purchase:${p.checkoutSessionId}`,
      sourceType: 'checkout_session',
      sourceId: p.checkoutSessionId,
      metadata: { package_id: p.packageId, payment_intent: p.paymentIntentId, amount_total: p.amountTotal },
    });
    if (moved) {
      await this.emitGranted(m, p.userId, balance, {
        amount: p.credits,
        bucket: 'purchased',
        reason: 'purchase',
        source_type: 'checkout_session',
        source_id: p.checkoutSessionId,
      });
    }
    return moved;
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
   * A subscription period starts (first period or a paid renewal): unused monthly credits expire and the
   * plan's allowance is granted. Applied once per (subscription, period) and only forwards: a period older
   * than or equal to the last one applied (duplicate, late or out-of-order event) changes nothing. The last
   * applied period is Credits' own record (`credit_periods`), so Credits never writes another module's table.
   */
  async startPeriod(
    m: EntityManager,
    p: {
      userId: string;
      subscriptionId: string;
      periodStart: Date;
      allowance: number;
      planId?: number | null;
    },
  ): Promise<boolean> {
    const balance = await this.lockBalance(m, p.userId);
    // Serialized by the balance lock above (one subscription belongs to one user).
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
    if (advanced.length === 0) return false;
    const key = `period:${p.subscriptionId}:${Math.floor(p.periodStart.getTime() / 1000)}`;
    // Periods applied before credit_periods existed are known to the ledger.
    if (await this.applied(m, `${key}:grant`)) return false;
    const source = { sourceType: 'subscription', sourceId: p.subscriptionId };
    if (balance.monthly > 0) {
      await this.move(m, p.userId, balance, {
        bucket: 'monthly',
        amount: -balance.monthly,
        reason: 'period_expiry',
        key: `${key}:expire`,
        ...source,
      });
    }
    if (p.allowance > 0) {
      const reason = advanced[0].previous === null ? 'subscription_grant' : 'period_reset';
      const granted = await this.move(m, p.userId, balance, {
        bucket: 'monthly',
        amount: p.allowance,
        reason,
        key: `${key}:grant`,
        ...source,
        metadata: { period_start: p.periodStart.toISOString(), plan_id: p.planId ?? null },
      });
      if (granted) {
        await this.emitGranted(m, p.userId, balance, {
          amount: p.allowance,
          bucket: 'monthly',
          reason,
          source_type: 'subscription',
          source_id: p.subscriptionId,
          period_start: p.periodStart.toISOString(),
        });
      }
    }
    return true;
  }

  /** The start of the last period whose credits were applied for this subscription (null: none yet). */
  async lastPeriodStart(subscriptionId: string): Promise<Date | null> {
    const rows: Array<{ period_start: Date }> = await this.db.query(
      'SELECT period_start FROM credit_periods WHERE subscription_id = $1',
      [subscriptionId],
    );
    return rows[0]?.period_start ?? null;
  }

  /** A subscription ended: its monthly credits end with it. Once per subscription. */
  async endSubscription(m: EntityManager, p: { userId: string; subscriptionId: string }): Promise<boolean> {
    const balance = await this.lockBalance(m, p.userId);
    if (await this.applied(m, `ended:${p.subscriptionId}`)) return false;
    return this.move(m, p.userId, balance, {
      bucket: 'monthly',
      amount: -balance.monthly,
      reason: 'subscription_ended',
      key: `ended:${p.subscriptionId}`,
      sourceType: 'subscription',
      sourceId: p.subscriptionId,
      metadata: { expired: balance.monthly },
    });
  }

  /**
   * Takes back purchased credits (refund or dispute). What was already spent cannot be taken: it is recorded
   * as `shortfall` in the row's metadata instead of driving the balance negative. Returns the amount taken.
   */
  async clawback(
    m: EntityManager,
    p: {
      userId: string;
      requested: number;
      reason: 'refund_clawback' | 'dispute_clawback';
      key: string;
      sourceType: string;
      sourceId: string;
      metadata?: Record<string, unknown>;
    },
  ): Promise<number | undefined> {
    const balance = await this.lockBalance(m, p.userId);
    if (await this.applied(m, p.key)) return undefined;
    const taken = Math.min(p.requested, balance.purchased);
    const before = balance.monthly + balance.purchased;
    await this.move(m, p.userId, balance, {
      bucket: 'purchased',
      amount: -taken,
      reason: p.reason,
      key: p.key,
      sourceType: p.sourceType,
      sourceId: p.sourceId,
      metadata: { ...p.metadata, requested: p.requested, shortfall: p.requested - taken },
    });
    const after = balance.monthly + balance.purchased;
    await this.outbound.emit(m, {
      type: 'credits.clawed_back',
      userId: p.userId,
      data: {
        amount: taken,
        requested: p.requested,
        shortfall: p.requested - taken,
        bucket: 'purchased',
        reason: p.reason,
        source_type: p.sourceType,
        source_id: p.sourceId,
        monthly_credits: balance.monthly,
        purchased_credits: balance.purchased,
        total_credits: after,
      },
    });
    await this.outbound.emitBalanceCrossings(m, p.userId, before, after, {
      cause: p.reason,
      source_id: p.sourceId,
    });
    return taken;
  }

  /** Gives back credits a dispute froze, when the dispute is won. Once per dispute. */
  async restore(
    m: EntityManager,
    p: { userId: string; amount: number; key: string; sourceId: string },
  ): Promise<boolean> {
    const balance = await this.lockBalance(m, p.userId);
    return this.move(m, p.userId, balance, {
      bucket: 'purchased',
      amount: p.amount,
      reason: 'dispute_reversal',
      key: p.key,
      sourceType: 'dispute',
      sourceId: p.sourceId,
    });
  }

  /** Sum of `metadata.requested` over earlier takebacks of one source (e.g. all refunds of a charge). */
  async requestedSoFar(
    m: EntityManager,
    reason: CreditReason,
    sourceType: string,
    sourceId: string,
  ): Promise<number> {
    const [row]: Array<{ total: number }> = await m.query(
      `SELECT COALESCE(SUM((metadata->>'requested')::int), 0)::int AS total FROM credit_ledger
        WHERE reason = $1 AND source_type = $2 AND source_id = $3`,
      [reason, sourceType, sourceId],
    );
    return row.total;
  }

  /** How much a takeback really took (negative amounts), e.g. to restore a won dispute. */
  async takenBy(m: EntityManager, key: string): Promise<number> {
    const [row]: Array<{ taken: number }> = await m.query(
      'SELECT COALESCE(-SUM(amount), 0)::int AS taken FROM credit_ledger WHERE idempotency_key = $1',
      [key],
    );
    return row.taken;
  }

  /** Operator adjustment (signed), audited in the ledger with who and why. */
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
      const balance = await this.lockBalance(m, p.userId);
      if (balance[p.bucket] + p.amount < 0)
        throw new AppError(
          ErrorCode.InsufficientCredits,
          `The ${p.bucket} balance is only ${balance[p.bucket]}.`,
        );
      await this.move(m, p.userId, balance, {
        bucket: p.bucket,
        amount: p.amount,
        reason: 'admin_adjustment',
        key: `admin:${p.userId}:${p.idempotencyKey ?? randomUUID()}`,
        sourceType: 'admin',
        sourceId: p.actorId,
        metadata: { note: p.note, actor_id: p.actorId },
      });
      return this.breakdownIn(m, p.userId);
    });
  }

  // ---------------------------------------------------------------- integrity

  /** Recomputes every balance from the ledger; returns the users whose cached balance disagrees. */
  async verify(): Promise<LedgerMismatch[]> {
    return verifyLedger(this.db.manager);
  }

  // ---------------------------------------------------------------- internals

  private async lockBalance(m: EntityManager, userId: string): Promise<Balance> {
    await m.query('INSERT INTO credit_balances (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING', [
      userId,
    ]);
    const [row]: Balance[] = await m.query(
      'SELECT monthly, purchased FROM credit_balances WHERE user_id = $1 FOR UPDATE',
      [userId],
    );
    return row;
  }

  /** credits.granted, with the balance after the grant (the grant's transaction, before commit). */
  private async emitGranted(
    m: EntityManager,
    userId: string,
    balance: Balance,
    data: Record<string, unknown>,
  ): Promise<void> {
    await this.outbound.emit(m, {
      type: 'credits.granted',
      userId,
      data: {
        ...data,
        monthly_credits: balance.monthly,
        purchased_credits: balance.purchased,
        total_credits: balance.monthly + balance.purchased,
      },
    });
  }

  private async applied(m: EntityManager, key: string): Promise<boolean> {
    const rows: unknown[] = await m.query('SELECT 1 FROM credit_ledger WHERE idempotency_key = $1', [key]);
    return rows.length > 0;
  }

  /**
   * Appends one ledger row and moves the (locked) balance. A key already in the ledger makes it a no-op
   * (returns false). A zero amount still records the row, so the operation is marked as done.
   */
  private async move(m: EntityManager, userId: string, balance: Balance, mv: Movement): Promise<boolean> {
    if (mv.bucket !== 'monthly' && mv.bucket !== 'purchased')
      throw new Error(`unknown bucket ${String(mv.bucket)}`);
    const after = balance[mv.bucket] + mv.amount;
    const inserted: unknown[] = await m.query(
      `INSERT INTO credit_ledger (user_id, bucket, amount, balance_after, reason, source_type, source_id,
                                  idempotency_key, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1`,
      [
        userId,
        mv.bucket,
        mv.amount,
        after,
        mv.reason,
        mv.sourceType ?? null,
        mv.sourceId ?? null,
        mv.key,
        JSON.stringify(mv.metadata ?? {}),
      ],
    );
    if (inserted.length === 0) return false;
    this.metrics.ledgerMovement(m, mv.reason, mv.amount);
    if (mv.amount !== 0) {
      await m.query(`UPDATE credit_balances SET ${mv.bucket} = $2, updated_at = now() WHERE user_id = $1`, [
        userId,
        after,
      ]);
      balance[mv.bucket] = after;
    }
    return true;
  }
}
