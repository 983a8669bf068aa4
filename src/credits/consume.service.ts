import { createHash, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors';
import { countOf, type RetentionTarget } from '../common/db/retention-target';
import { TollgateMetrics } from '../metrics/metrics.service';
import type { ConsumeReceipt } from './credit.types';
import type { ConsumeSqlRow } from './ledger/consume-sql';
import { explainInsufficient } from './ledger/ledger-queries';
import { LedgerService } from './ledger/ledger.service';
import { HoldsService } from './holds.service';

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
 * Spending credits: the consume (all-or-nothing, monthly first, one atomic statement in the ledger), its
 * Idempotency-Key records (`consume_requests`) and receipts, and giving back what a failed in-app action took.
 */
@Injectable()
export class ConsumeService {
  private readonly logger = new Logger('Credits');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly ledger: LedgerService,
    private readonly metrics: TollgateMetrics,
    private readonly holds: HoldsService,
  ) {}

  /**
   * With an idempotency key, a retry returns the original result; the same key with another body is 409.
   * `fingerprint`: what else makes the request (a @ConsumesCredits route's body), so another body is 409.
   */
  async consume(
    userId: string,
    amount: number,
    reason: string,
    idempotencyKey?: string,
    fingerprint?: string,
  ): Promise<ConsumeReceipt> {
    try {
      if (idempotencyKey) return await this.consumeKeyed(userId, amount, reason, idempotencyKey, fingerprint);
      const operation = `consume:${randomUUID()}`;
      // On its own: the ledger groups it with concurrent consumes, in a transaction only when one is wanted.
      return this.receipt(
        await this.ledger.consume(null, userId, amount, operation, reason),
        amount,
        operation,
      );
    } catch (err) {
      throw await this.explainInsufficient(err, userId, amount);
    }
  }

  private async consumeKeyed(
    userId: string,
    amount: number,
    reason: string,
    idempotencyKey: string,
    fingerprint?: string,
  ): Promise<ConsumeReceipt> {
    const request = fingerprint === undefined ? { amount, reason } : { amount, reason, fingerprint };
    const hash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    return this.db.transaction(async (m) => {
      const prior = await this.claimKey(m, userId, idempotencyKey, hash);
      if (prior) return prior;
      // The consume_requests row above is what makes the key idempotent. The ledger operation is unique per
      // attempt: a retry after a refunded failure (refundConsume deletes that row) is a new charge, and must
      // not collide with the first attempt's ledger keys; nor may a long key overflow the ledger's columns.
      const receipt = await this.consumeIn(m, userId, amount, reason, `consume:${randomUUID()}`);
      await m.query('UPDATE consume_requests SET response = $3 WHERE user_id = $1 AND idempotency_key = $2', [
        userId,
        idempotencyKey,
        JSON.stringify(receipt),
      ]);
      return receipt;
    });
  }

  /** Records the key (null), or answers the earlier request's receipt (another body with it: 409). */
  private async claimKey(
    m: EntityManager,
    userId: string,
    idempotencyKey: string,
    hash: string,
  ): Promise<ConsumeReceipt | null> {
    const inserted: unknown[] = await m.query(
      `INSERT INTO consume_requests (user_id, idempotency_key, request_hash, response)
       VALUES ($1, $2, $3, '{}') ON CONFLICT DO NOTHING RETURNING 1`,
      [userId, idempotencyKey, hash],
    );
    if (inserted.length > 0) return null;
    const [prior]: Array<{ request_hash: string; response: ConsumeReceipt }> = await m.query(
      'SELECT request_hash, response FROM consume_requests WHERE user_id = $1 AND idempotency_key = $2',
      [userId, idempotencyKey],
    );
    if (prior.request_hash !== hash) throw new AppError(ErrorCode.IdempotencyKeyReused);
    return { ...prior.response, replayed: true };
  }

  private async consumeIn(
    m: EntityManager,
    userId: string,
    amount: number,
    reason: string,
    operation: string,
  ): Promise<ConsumeReceipt> {
    return this.receipt(await this.ledger.consume(m, userId, amount, operation, reason), amount, operation);
  }

  private receipt(row: ConsumeSqlRow | null, amount: number, operation: string): ConsumeReceipt {
    if (!row) {
      this.metrics.consumeFailed('insufficient_credits');
      this.logger.log({ amount }, `consume refused: insufficient credits for ${amount}`);
      throw new AppError(ErrorCode.InsufficientCredits);
    }
    return {
      consumed: amount,
      credits_remaining: row.monthly + row.purchased + row.promotional,
      monthly_credits: row.monthly,
      purchased_credits: row.purchased,
      promotional_credits: row.promotional,
      operation,
      from_monthly: row.from_monthly,
      from_purchased: row.from_purchased,
      from_promotional: row.from_promotional,
    };
  }

  private explainInsufficient(err: unknown, userId: string, amount: number): Promise<unknown> {
    return explainInsufficient(this.db.manager, err, userId, amount);
  }

  /**
   * Sets the usage limits (N credits per UTC hour, day or month) the consume and hold statements enforce for a
   * user, in the caller's transaction (spend controls, when its controls change).
   */
  setUsageLimits(m: EntityManager, userId: string, limits: ReadonlyArray<{ credits: number; per: string }>) {
    return this.ledger.setUsageLimits(m, userId, limits);
  }

  /** The user's own overage credits per billing period (spend controls), over the plan's cap; null: the plan's. */
  setOverageCap(m: EntityManager, userId: string, cap: number | null) {
    return this.ledger.setOverageCap(m, userId, cap);
  }

  /**
   * @ConsumesCredits: the route's credits are reserved by a hold before the action runs (402 otherwise),
   * captured when it succeeds (settleAction) and released when it throws (refundConsume). With an
   * Idempotency-Key the hold is placed in the key's transaction, so a retry replays instead of paying twice.
   */
  async reserveForAction(
    userId: string,
    amount: number,
    reason: string,
    idempotencyKey?: string,
    fingerprint?: string,
  ): Promise<ConsumeReceipt> {
    if (!idempotencyKey) {
      const hold = await this.holds.place(userId, {
        amount,
        reason,
        ttlSeconds: ACTION_HOLD_TTL_SECONDS,
        idempotencyKey: `action:${randomUUID()}`,
      });
      return actionReceipt(hold.hold_id, amount, hold);
    }
    const request = { amount, reason, fingerprint };
    const hash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
    try {
      return await this.db.transaction(async (m) => {
        const prior = await this.claimKey(m, userId, idempotencyKey, hash);
        if (prior) return prior;
        const holdId = randomUUID();
        const row = await this.ledger.hold(m, userId, {
          holdId,
          amount,
          reason,
          idempotencyKey: `action:${holdId}`,
          requestHash: hash,
          ttlSeconds: ACTION_HOLD_TTL_SECONDS,
        });
        if (!row) throw new AppError(ErrorCode.InsufficientCredits);
        const receipt = actionReceipt(holdId, amount, {
          monthly_credits: row.monthly,
          purchased_credits: row.purchased,
          promotional_credits: row.promotional,
        });
        await m.query(
          'UPDATE consume_requests SET response = $3 WHERE user_id = $1 AND idempotency_key = $2',
          [userId, idempotencyKey, JSON.stringify(receipt)],
        );
        return receipt;
      });
    } catch (err) {
      throw await this.explainInsufficient(err, userId, amount);
    }
  }

  /** The action succeeded: its hold is captured in full. */
  async settleAction(userId: string, receipt: ConsumeReceipt): Promise<void> {
    if (receipt.replayed || !receipt.hold_id) return;
    await this.holds.capture(userId, receipt.hold_id, receipt.consumed, 'reject');
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
   * A failed action: its hold returns everything, and a retry with the same Idempotency-Key must pay again. A
   * replayed receipt (an Idempotency-Key retry) is not released: that charge belongs to the original, successful
   * request.
   */
  async refundConsume(userId: string, receipt: ConsumeReceipt): Promise<void> {
    if (receipt.replayed || !receipt.hold_id) return;
    await this.db.query(`DELETE FROM consume_requests WHERE user_id = $1 AND response->>'operation' = $2`, [
      userId,
      receipt.operation,
    ]);
    await this.holds.release(userId, receipt.hold_id).catch((err: unknown) => {
      // Released or expired already: nothing is held any more, which is what this wanted.
      if (err instanceof AppError && err.code === ErrorCode.HoldAlreadySettled) return;
      throw err;
    });
  }
}

/** How long an action's credits stay reserved if the process dies before settling them (then they return). */
const ACTION_HOLD_TTL_SECONDS = 3600;

/** The receipt of an action's hold: what it reserves, and the balance once reserved. */
function actionReceipt(
  holdId: string,
  amount: number,
  b: { monthly_credits: number; purchased_credits: number; promotional_credits: number },
): ConsumeReceipt {
  return {
    consumed: amount,
    credits_remaining: b.monthly_credits + b.purchased_credits + b.promotional_credits,
    monthly_credits: b.monthly_credits,
    purchased_credits: b.purchased_credits,
    promotional_credits: b.promotional_credits,
    operation: `hold:${holdId}`,
    hold_id: holdId,
    from_monthly: 0,
    from_purchased: 0,
    from_promotional: 0,
  };
}
