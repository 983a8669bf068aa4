import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CannotExecuteNotConnectedError, DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { DomainEvents } from '../../common/events/domain-events';
import { databaseConfig, DatabaseConfig } from '../../config/database.config';
import type { CreditBucket, CreditReason } from '../credit.types';
import { Balance, CreditsPosted, PostedMovement, PostingCause } from '../../common/facts/credit.facts';
import { CONSUME_SQL, ConsumeSqlRow } from './consume-sql';

/** One ledger row to append: a signed amount on one bucket, keyed by its cause. */
export interface Movement {
  bucket: CreditBucket;
  amount: number;
  reason: CreditReason;
  key: string;
  sourceType?: string;
  sourceId?: string;
  metadata?: Record<string, unknown>;
}

/** What a posting should do, decided from the locked balance: its cause and its movements. */
export interface PostingPlan {
  cause: PostingCause;
  movements: Movement[];
}

/** A posting's outcome: the balance before and after, and the rows actually appended (repeated keys skip). */
export interface Posting {
  before: Balance;
  after: Balance;
  applied: PostedMovement[];
}

/** The part of pg.Pool the prepared consume uses (TypeORM's driver holds the pool as `master`). */
interface PreparedPool {
  query<R>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
}

/**
 * The ledger kernel: the ONLY writer of `credit_ledger` and `credit_balances`. Every change is a ledger row
 * with a reason and a unique idempotency key tied to its cause; the per-user balance changes in the same
 * transaction; CHECK constraints keep every balance >= 0. Every posting (the consume hot path included)
 * publishes one `CreditsPosted` fact with the balance before and after, inside the posting's transaction.
 */
@Injectable()
export class LedgerService {
  /** Embedded PGlite is one database session behind every connection: a named statement outlives its client. */
  private readonly prepare: boolean;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(databaseConfig.KEY) database: DatabaseConfig,
    private readonly events: DomainEvents,
  ) {
    this.prepare = !database.embedded;
  }

  /**
   * Locks the user's balance row (creating it at zero), asks `plan` what to post given that balance (it may
   * read or write its own module's records meanwhile: the lock serializes the user), appends each movement
   * idempotently, moves the balance once, and publishes the fact. `plan` returning null posts nothing.
   */
  async post(
    m: EntityManager,
    userId: string,
    plan: (balance: Readonly<Balance>) => PostingPlan | null | Promise<PostingPlan | null>,
  ): Promise<Posting> {
    const before = await this.lock(m, userId);
    const decided = await plan(before);
    const after = { ...before };
    const applied: PostedMovement[] = [];
    for (const mv of decided?.movements ?? []) {
      const row = await this.append(m, userId, after, mv);
      if (row) applied.push(row);
    }
    if (after.monthly !== before.monthly || after.purchased !== before.purchased) {
      await m.query(
        'UPDATE credit_balances SET monthly = $2, purchased = $3, updated_at = now() WHERE user_id = $1',
        [userId, after.monthly, after.purchased],
      );
    }
    if (decided && applied.length > 0)
      await this.events.publish(m, new CreditsPosted(userId, decided.cause, before, after, applied));
    return { before, after, applied };
  }

  /**
   * The consume statement (CONSUME_SQL) for one request: in the transaction `m`, or, with `m` null, on its own
   * (autocommit; a named prepared statement on PostgreSQL). Null: not enough credits, nothing changed. The fact
   * is published in `m`'s transaction, or to after-commit subscribers only when the statement ran on its own —
   * so callers pass null only when `DomainEvents.wanted(CreditsPosted)` said no blocking subscriber wants it.
   */
  async consume(
    m: EntityManager | null,
    userId: string,
    amount: number,
    operation: string,
    reason: string,
  ): Promise<ConsumeSqlRow | null> {
    const values = [userId, amount, operation, reason];
    const row = m
      ? (await m.query<ConsumeSqlRow[]>(CONSUME_SQL, values))[0]
      : await this.consumeAlone(values);
    if (!row) return null;
    const after = { monthly: row.monthly, purchased: row.purchased };
    const before = { monthly: row.monthly + row.from_monthly, purchased: row.purchased + row.from_purchased };
    const fact = new CreditsPosted(
      userId,
      { kind: 'consume', amount, reason, operation },
      before,
      after,
      consumeRows(row, operation, reason),
    );
    if (m) await this.events.publish(m, fact);
    else this.events.committedFact(fact);
    return row;
  }

  private async consumeAlone(values: unknown[]): Promise<ConsumeSqlRow | undefined> {
    if (!this.prepare) return (await this.db.query<ConsumeSqlRow[]>(CONSUME_SQL, values))[0];
    // One statement is atomic on its own; prepared, PostgreSQL parses and plans it once per connection.
    const pool = (this.db.driver as unknown as { master?: PreparedPool }).master;
    // No pool once the DataSource lost its connection: an outage (503), not a TypeError (500).
    if (!pool) throw new CannotExecuteNotConnectedError();
    try {
      const { rows } = await pool.query<ConsumeSqlRow>({ name: 'tollgate_consume_v1', text: CONSUME_SQL, values });
      return rows[0];
    } catch (err) {
      // As TypeORM reports it, so the error filter maps timeouts and outages the same way on every path.
      throw new QueryFailedError(CONSUME_SQL, values, err as Error);
    }
  }

  private async lock(m: EntityManager, userId: string): Promise<Balance> {
    await m.query('INSERT INTO credit_balances (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING', [
      userId,
    ]);
    const [row]: Balance[] = await m.query(
      'SELECT monthly, purchased FROM credit_balances WHERE user_id = $1 FOR UPDATE',
      [userId],
    );
    return { monthly: row.monthly, purchased: row.purchased };
  }

  /**
   * Appends one row against the (locked, running) balance. A key already in the ledger is a no-op (null). A
   * zero amount still records the row, so the operation is marked as done.
   */
  private async append(
    m: EntityManager,
    userId: string,
    balance: Balance,
    mv: Movement,
  ): Promise<PostedMovement | null> {
    if (mv.bucket !== 'monthly' && mv.bucket !== 'purchased')
      throw new Error(`unknown bucket ${String(mv.bucket)}`);
    const afterBucket = balance[mv.bucket] + mv.amount;
    const row: PostedMovement = {
      bucket: mv.bucket,
      amount: mv.amount,
      reason: mv.reason,
      key: mv.key,
      sourceType: mv.sourceType ?? null,
      sourceId: mv.sourceId ?? null,
      metadata: mv.metadata ?? {},
    };
    const inserted: unknown[] = await m.query(
      `INSERT INTO credit_ledger (user_id, bucket, amount, balance_after, reason, source_type, source_id,
                                  idempotency_key, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1`,
      [userId, row.bucket, row.amount, afterBucket, row.reason, row.sourceType, row.sourceId, row.key,
        JSON.stringify(row.metadata)],
    );
    if (inserted.length === 0) return null;
    balance[mv.bucket] = afterBucket;
    return row;
  }
}

/** The rows CONSUME_SQL appended, as the fact reports them. */
function consumeRows(row: ConsumeSqlRow, operation: string, reason: string): PostedMovement[] {
  const rows: PostedMovement[] = [];
  for (const [bucket, taken] of [
    ['monthly', row.from_monthly],
    ['purchased', row.from_purchased],
  ] as const) {
    if (taken > 0)
      rows.push({
        bucket,
        amount: -taken,
        reason: 'consume',
        key: `${operation}:${bucket}`,
        sourceType: 'consume',
        sourceId: operation,
        metadata: { reason },
      });
  }
  return rows;
}
