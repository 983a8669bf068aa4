import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors';
import { explainInsufficient, takeParts } from './ledger/ledger-queries';
import { LedgerService } from './ledger/ledger.service';
import type { Movement } from './ledger/movements';

export type HoldStatus = 'open' | 'captured' | 'released' | 'expired';

/** A hold as the API shows it. */
export interface HoldView {
  hold_id: string;
  status: HoldStatus;
  amount: number;
  captured: number | null;
  reason: string;
  expires_at: Date;
  settled_at: Date | null;
  created_at: Date;
}

/** A hold and the user's credits after the request. */
/** The user's balance as a hold statement left it (as a consume's answer does). */
export interface HoldBalance {
  monthly_credits: number;
  purchased_credits: number;
  promotional_credits: number;
  total_credits: number;
  held_credits: number;
}

export type HoldResult = HoldView & HoldBalance & { replayed?: boolean };

const balanceOf = (b: {
  monthly: number;
  purchased: number;
  promotional: number;
  held: number;
}): HoldBalance => ({
  monthly_credits: b.monthly,
  purchased_credits: b.purchased,
  promotional_credits: b.promotional,
  total_credits: b.monthly + b.purchased + b.promotional,
  held_credits: b.held,
});

/** The balance row now (a replay, or a settlement through the general posting). */
async function currentBalance(m: EntityManager, userId: string): Promise<HoldBalance> {
  const [b]: Array<{ monthly: number; purchased: number; promotional: number; held: number }> = await m.query(
    'SELECT monthly, purchased, promotional, held FROM credit_balances WHERE user_id = $1',
    [userId],
  );
  return balanceOf(b ?? { monthly: 0, purchased: 0, promotional: 0, held: 0 });
}

const HOLD_COLUMNS = `id AS hold_id, status, amount, captured, reason, expires_at, settled_at, created_at`;

/** The ledger key of a hold's debit (its rows: `hold:<id>`, `hold:<id>#2`, …). */
const holdKey = (holdId: string) => `hold:${holdId}`;

/**
 * Holds: credits reserved before a job of unknown cost, then captured (what it really cost; the rest returns
 * at once) or released (all of it returns); an open hold past its TTL expires (the expiry job releases it).
 * A hold takes from grants in consumption order like a consume; returns go to the grants they came from.
 * Every step is one posting under the user's balance lock, and the hold's status changes only from `open`,
 * so each hold settles exactly once whichever of capture, release and expiry comes first, on any replica.
 */
@Injectable()
export class HoldsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly ledger: LedgerService,
  ) {}

  /**
   * Places a hold once per Idempotency-Key (the same key and body answer the same hold; another body is 409).
   * One statement (HOLD_SQL), like a consume; 402 with the same body as a consume when the credits are short.
   */
  async place(
    userId: string,
    p: { amount: number; reason: string; ttlSeconds: number; idempotencyKey: string },
  ): Promise<HoldResult> {
    const requestHash = createHash('sha256')
      .update(JSON.stringify({ amount: p.amount, reason: p.reason, ttl: p.ttlSeconds }))
      .digest('hex');
    const holdId = randomUUID();
    const args = { holdId, requestHash, ...p };
    // On its own: the ledger groups it with concurrent holds, in a transaction only when one is wanted.
    const row = await this.ledger.hold(null, userId, args);
    if (row) {
      const hold: HoldView = {
        hold_id: holdId,
        status: 'open',
        amount: p.amount,
        captured: null,
        reason: p.reason,
        expires_at: row.expires_at,
        settled_at: null,
        created_at: row.created_at,
      };
      return { ...hold, ...balanceOf(row) };
    }
    const [prior]: Array<HoldView & { request_hash: string }> = await this.db.query(
      `SELECT ${HOLD_COLUMNS}, request_hash FROM credit_holds WHERE user_id = $1 AND idempotency_key = $2`,
      [userId, p.idempotencyKey],
    );
    if (!prior)
      throw await explainInsufficient(
        this.db.manager,
        new AppError(ErrorCode.InsufficientCredits),
        userId,
        p.amount,
      );
    if (prior.request_hash !== requestHash) throw new AppError(ErrorCode.IdempotencyKeyReused);
    const { request_hash: _hash, ...view } = prior;
    return { ...view, ...(await currentBalance(this.db.manager, userId)), replayed: true };
  }

  /**
   * Settles the hold keeping `amount` (capture) and returning the rest to its grants at once. More than held:
   * 409 CAPTURE_EXCEEDS_HOLD, or with `cap`, the held amount.
   */
  capture(userId: string, holdId: string, amount: number, onExcess: 'reject' | 'cap'): Promise<HoldResult> {
    return this.settleFast(userId, holdId, 'captured', amount, onExcess === 'cap');
  }

  /** Settles the hold returning all of it. */
  release(userId: string, holdId: string): Promise<HoldResult> {
    return this.settleFast(userId, holdId, 'released', 0, false);
  }

  /**
   * One statement (SETTLE_HOLD_SQL) in the common case; when a grant the hold took from has ended meanwhile,
   * the general posting (settle), which returns those credits and ends them again.
   */
  private async settleFast(
    userId: string,
    holdId: string,
    status: 'captured' | 'released' | 'expired',
    amount: number,
    cap: boolean,
  ): Promise<HoldResult> {
    const args = { holdId, keep: amount, status, cap };
    // On its own: the ledger groups it with concurrent settlements, in a transaction only when one is wanted.
    const row = await this.ledger.settleHold(null, userId, args);
    switch (row.outcome) {
      case 'not_found':
        throw new AppError(ErrorCode.HoldNotFound);
      case 'settled':
        throw new AppError(ErrorCode.HoldAlreadySettled, undefined, { status: row.prior_status });
      case 'expired':
        throw new AppError(ErrorCode.HoldExpired);
      case 'exceeds':
        throw new AppError(ErrorCode.CaptureExceedsHold, undefined, { held: row.amount, requested: amount });
      case 'fallback':
        return this.settle(userId, holdId, status, (held) => {
          if (status !== 'captured') return 0;
          if (amount <= held) return amount;
          if (cap) return held;
          throw new AppError(ErrorCode.CaptureExceedsHold, undefined, { held, requested: amount });
        });
      case 'ok': {
        const hold: HoldView = {
          hold_id: holdId,
          status,
          amount: row.amount!,
          captured: status === 'captured' ? row.captured : null,
          reason: row.reason,
          expires_at: row.expires_at,
          settled_at: row.settled_at,
          created_at: row.created_at,
        };
        return { ...hold, ...balanceOf(row) };
      }
    }
  }

  /** The expiry job: an open hold past its TTL returns all of it. False when it was settled meanwhile. */
  async expire(userId: string, holdId: string): Promise<boolean> {
    try {
      await this.settleFast(userId, holdId, 'expired', 0, false);
      return true;
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.HoldAlreadySettled) return false;
      throw err;
    }
  }

  async get(userId: string, holdId: string): Promise<HoldView> {
    const [hold]: HoldView[] = await this.db.query(
      `SELECT ${HOLD_COLUMNS} FROM credit_holds WHERE id = $1 AND user_id = $2`,
      [holdId, userId],
    );
    if (!hold) throw new AppError(ErrorCode.HoldNotFound);
    return hold;
  }

  /** Open holds past their TTL, oldest first (the expiry job's batch). */
  due(limit: number): Promise<Array<{ id: string; user_id: string }>> {
    return this.db.query(
      `SELECT id, user_id FROM credit_holds WHERE status = 'open' AND expires_at <= now() ORDER BY expires_at LIMIT $1`,
      [limit],
    );
  }

  private settle(
    userId: string,
    holdId: string,
    status: Exclude<HoldStatus, 'open'>,
    keep: (held: number) => number,
  ): Promise<HoldResult> {
    return this.db.transaction(async (m) => {
      let hold: HoldView | undefined;
      await this.ledger.post(m, userId, async () => {
        const [h]: Array<HoldView & { due: boolean }> = await m.query(
          `SELECT ${HOLD_COLUMNS}, expires_at <= now() AS due FROM credit_holds
            WHERE id = $1 AND user_id = $2 FOR UPDATE`,
          [holdId, userId],
        );
        if (!h) throw new AppError(ErrorCode.HoldNotFound);
        if (h.status !== 'open')
          throw new AppError(ErrorCode.HoldAlreadySettled, undefined, { status: h.status });
        if (h.due && status !== 'expired') throw new AppError(ErrorCode.HoldExpired);
        const captured = keep(h.amount);
        const returned = h.amount - captured;
        [hold] = await m.query(
          `WITH u AS (UPDATE credit_holds SET status = $2, captured = $3, settled_at = now() WHERE id = $1
                      RETURNING ${HOLD_COLUMNS})
           SELECT * FROM u`,
          [holdId, status, status === 'captured' ? captured : null],
        );
        return {
          cause: { kind: 'hold_settled', holdId, status, captured, returned },
          movements: await this.returns(m, userId, holdId, returned),
          held: -h.amount,
        };
      });
      return { ...hold!, ...(await currentBalance(m, userId)) };
    });
  }

  /** `amount` back to the grants the hold took from: the last taken first (what was used is what went first). */
  private async returns(
    m: EntityManager,
    userId: string,
    holdId: string,
    amount: number,
  ): Promise<Movement[]> {
    const parts = (await takeParts(m, userId, holdKey(holdId))).reverse();
    const movements: Movement[] = [];
    let left = amount;
    for (const [i, part] of parts.entries()) {
      const back = Math.min(left, part.amount);
      if (back <= 0) break;
      left -= back;
      movements.push({
        kind: 'return',
        grantId: part.grant_id,
        amount: back,
        reason: 'hold_return',
        key: `${holdKey(holdId)}:return:${i + 1}`,
        sourceType: 'hold',
        sourceId: holdId,
      });
    }
    return movements;
  }
}
