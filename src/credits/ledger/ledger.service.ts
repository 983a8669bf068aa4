import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CannotExecuteNotConnectedError, DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { DomainEvents } from '../../common/events/domain-events';
import { databaseConfig, DatabaseConfig } from '../../config/database.config';
import { TollgateMetrics } from '../../metrics/metrics.service';
import { Balance, CreditsPosted, PostedMovement, PostingCause } from '../../common/facts/credit.facts';
import { applyMovement } from './apply';
import { ConsumeBatcher, type ConsumeRequest } from './consume-batcher';
import {
  CONSUME_BATCH_SQL,
  CONSUME_SQL,
  ConsumeSqlRow,
  HOLD_SQL,
  HoldSqlRow,
  SETTLE_HOLD_SQL,
  SettleHoldRow,
} from './consume-sql';
import type { PostingPlan } from './movements';

export type { Movement, PostingPlan } from './movements';

/** A posting's outcome: the balance before and after, and the rows actually appended (repeated keys skip). */
export interface Posting {
  before: Balance;
  after: Balance;
  applied: PostedMovement[];
}

/** The part of pg's Pool and PoolClient the prepared statements use (TypeORM holds them as `master`, `databaseConnection`). */
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
  /** Consumes on their own (no transaction) share statements under load: see ConsumeBatcher. */
  private readonly batcher: ConsumeBatcher<ConsumeSqlRow>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(databaseConfig.KEY) database: DatabaseConfig,
    private readonly events: DomainEvents,
    private readonly metrics: TollgateMetrics,
  ) {
    this.prepare = !database.embedded;
    // Half the pool at most runs consume statements, so other requests always find a connection; the rest of
    // the consumes wait for the next statement, which takes them all (up to 256 users) at once.
    const inFlight = database.embedded ? 1 : Math.max(1, Math.floor(database.poolSize / 2));
    this.batcher = new ConsumeBatcher((requests) => this.consumeStatement(requests), inFlight, 256);
  }

  /**
   * One statement for the requests the batcher grouped: on its own (autocommit) when no blocking subscriber
   * wants any of their users' facts, else in a transaction that publishes each fact before it commits (the
   * subscribers' work commits with the consumes, or none of it does). Each request's row, by index.
   */
  private async consumeStatement(requests: ConsumeRequest[]): Promise<Array<ConsumeSqlRow | undefined>> {
    this.metrics.consumeStatement(requests.length);
    let wanted = false;
    for (const r of requests) if ((wanted = await this.events.wanted(CreditsPosted, r.userId))) break;
    if (!wanted) return this.takeEach(null, requests);
    return this.db.transaction((m) => this.takeEach(m, requests));
  }

  /** CONSUME_SQL for one request, CONSUME_BATCH_SQL for several (one per user); publishes each taken one's fact. */
  private async takeEach(
    m: EntityManager | null,
    requests: ConsumeRequest[],
  ): Promise<Array<ConsumeSqlRow | undefined>> {
    type Row = ConsumeSqlRow & { i: number };
    const byIndex: Array<Row | undefined> = new Array<Row | undefined>(requests.length);
    if (requests.length === 1) {
      const r = requests[0];
      byIndex[0] = await this.run<Row>(m, 'tollgate_consume_v3', CONSUME_SQL, [
        r.userId,
        r.amount,
        r.operation,
        r.reason,
      ]);
    } else {
      const values = [
        requests.map((r) => r.userId),
        requests.map((r) => r.amount),
        requests.map((r) => r.operation),
        requests.map((r) => r.reason),
      ];
      const rows = await this.runAll<Row>(m, 'tollgate_consume_batch_v1', CONSUME_BATCH_SQL, values);
      for (const row of rows) byIndex[row.i - 1] = row;
    }
    for (const [i, row] of byIndex.entries()) {
      if (!row) continue;
      const { userId, amount, operation, reason } = requests[i];
      const cause = { kind: 'consume' as const, amount, reason, operation };
      await this.postedByStatement(m, userId, row, cause, 'consume', operation, reason);
    }
    return byIndex;
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
    for (const mv of decided?.movements ?? []) applied.push(...(await applyMovement(m, userId, after, mv)));
    after.held += decided?.held ?? 0;
    if (
      after.monthly !== before.monthly ||
      after.purchased !== before.purchased ||
      after.promotional !== before.promotional ||
      after.held !== before.held
    ) {
      await m.query(
        `UPDATE credit_balances SET monthly = $2, purchased = $3, promotional = $4, held = $5, updated_at = now()
          WHERE user_id = $1`,
        [userId, after.monthly, after.purchased, after.promotional, after.held],
      );
    }
    if (decided && (applied.length > 0 || after.held !== before.held))
      await this.events.publish(m, new CreditsPosted(userId, decided.cause, before, after, applied));
    return { before, after, applied };
  }

  /**
   * One consume (CONSUME_SQL's take): in the transaction `m`, its fact published there; or, with `m` null, as
   * its own statement — grouped with other users' consumes that arrive meanwhile (ConsumeBatcher), in a
   * transaction only while a blocking subscriber wants one of their facts (DomainEvents.wanted), else on its
   * own with the facts going to after-commit subscribers. Null: not enough credits (or a usage limit), nothing
   * changed.
   */
  async consume(
    m: EntityManager | null,
    userId: string,
    amount: number,
    operation: string,
    reason: string,
  ): Promise<ConsumeSqlRow | null> {
    const request = { userId, amount, operation, reason };
    const row = m ? (await this.takeEach(m, [request]))[0] : await this.batcher.submit(request);
    return row ?? null;
  }

  /**
   * A hold as one statement (HOLD_SQL), like consume. Null: not enough credits, or the Idempotency-Key was
   * used before (the caller reads the hold to tell which); nothing changed either way.
   */
  async hold(
    m: EntityManager | null,
    userId: string,
    p: {
      holdId: string;
      amount: number;
      reason: string;
      idempotencyKey: string;
      requestHash: string;
      ttlSeconds: number;
    },
  ): Promise<HoldSqlRow | null> {
    const values = [userId, p.amount, p.holdId, p.reason, p.idempotencyKey, p.requestHash, p.ttlSeconds];
    const row = await this.run<HoldSqlRow>(m, 'tollgate_hold_v1', HOLD_SQL, values);
    if (row) {
      const cause = { kind: 'hold' as const, holdId: p.holdId, amount: p.amount, reason: p.reason };
      await this.postedByStatement(m, userId, row, cause, 'hold', `hold:${p.holdId}`, p.reason, p.holdId);
    }
    return row ?? null;
  }

  /**
   * Settles a hold as one statement (SETTLE_HOLD_SQL): in `m`'s transaction, or on its own when no blocking
   * subscriber wants the fact. The row's `outcome` says whether it settled, or why nothing changed.
   */
  async settleHold(
    m: EntityManager | null,
    userId: string,
    p: { holdId: string; keep: number; status: 'captured' | 'released' | 'expired'; cap: boolean },
  ): Promise<SettleHoldRow> {
    const values = [userId, p.holdId, p.keep, p.status, p.cap];
    const row = (await this.run<SettleHoldRow>(m, 'tollgate_settle_hold_v1', SETTLE_HOLD_SQL, values))!;
    if (row.outcome !== 'ok') return row;
    const captured = row.captured ?? 0;
    const after = {
      monthly: row.monthly,
      purchased: row.purchased,
      promotional: row.promotional,
      held: row.held,
    };
    const before = {
      monthly: row.monthly - row.to_monthly,
      purchased: row.purchased - row.to_purchased,
      promotional: row.promotional - row.to_promotional,
      held: row.held + (row.amount ?? 0),
    };
    const movements = (row.parts ?? []).map(([grantId, bucket, back], i) => ({
      bucket,
      grantId,
      amount: back,
      reason: 'hold_return' as const,
      key: `hold:${p.holdId}:return:${i + 1}`,
      sourceType: 'hold',
      sourceId: p.holdId,
      metadata: {},
    }));
    const returned = (row.amount ?? 0) - captured;
    const cause = { kind: 'hold_settled' as const, holdId: p.holdId, status: p.status, captured, returned };
    const fact = new CreditsPosted(userId, cause, before, after, movements);
    if (m) await this.events.publish(m, fact);
    else this.events.committedFact(fact);
    return row;
  }

  /**
   * Publishes the fact of a take done by one statement: in `m`'s transaction, or to after-commit subscribers
   * only when the statement ran on its own (callers pass null only when no blocking subscriber wants it).
   */
  private async postedByStatement(
    m: EntityManager | null,
    userId: string,
    row: ConsumeSqlRow,
    cause: PostingCause,
    reason: 'consume' | 'hold',
    key: string,
    note: string,
    sourceId = key,
  ): Promise<void> {
    const held = cause.kind === 'hold' ? cause.amount : 0;
    const after = {
      monthly: row.monthly,
      purchased: row.purchased,
      promotional: row.promotional,
      held: row.held,
    };
    const before = {
      monthly: row.monthly + row.from_monthly,
      purchased: row.purchased + row.from_purchased,
      promotional: row.promotional + row.from_promotional,
      held: row.held - held,
    };
    const movements = (row.parts ?? []).map(([grantId, bucket, taken], i) => ({
      bucket,
      grantId,
      amount: -taken,
      reason,
      key: i === 0 ? key : `${key}#${i + 1}`,
      sourceType: reason,
      sourceId,
      metadata: { reason: note },
    }));
    const fact = new CreditsPosted(userId, cause, before, after, movements);
    if (m) await this.events.publish(m, fact);
    else this.events.committedFact(fact);
  }

  /** One statement in `m`'s transaction, or on its own (autocommit; a named prepared statement on PostgreSQL). */
  private async run<R>(
    m: EntityManager | null,
    name: string,
    text: string,
    values: unknown[],
  ): Promise<R | undefined> {
    return (await this.runAll<R>(m, name, text, values))[0];
  }

  /**
   * A statement in the transaction `m`, or on its own (autocommit): prepared on PostgreSQL (on the
   * transaction's own connection, or a pooled one), plain on embedded PGlite. All its rows.
   */
  private async runAll<R>(
    m: EntityManager | null,
    name: string,
    text: string,
    values: unknown[],
  ): Promise<R[]> {
    if (!this.prepare) return (m ?? this.db).query<R[]>(text, values);
    // Prepared, PostgreSQL parses and plans the statement once per connection.
    const via = m
      ? (m.queryRunner as unknown as { databaseConnection?: PreparedPool } | undefined)?.databaseConnection
      : (this.db.driver as unknown as { master?: PreparedPool }).master;
    if (m && !via) return m.query<R[]>(text, values);
    // No pool once the DataSource lost its connection: an outage (503), not a TypeError (500).
    if (!via) throw new CannotExecuteNotConnectedError();
    try {
      const { rows } = await via.query<R>({ name, text, values });
      return rows;
    } catch (err) {
      // As TypeORM reports it, so the error filter maps timeouts and outages the same way on every path.
      throw new QueryFailedError(text, values, err as Error);
    }
  }

  /**
   * The usage limits the consume and hold statements enforce for this user (spend controls hands them over when
   * they change), kept on the balance row those statements lock first.
   */
  async setUsageLimits(
    m: EntityManager,
    userId: string,
    limits: ReadonlyArray<{ credits: number; per: string }>,
  ) {
    await m.query(
      `INSERT INTO credit_balances (user_id, usage_limits) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET usage_limits = EXCLUDED.usage_limits`,
      [userId, JSON.stringify(limits)],
    );
  }

  private async lock(m: EntityManager, userId: string): Promise<Balance> {
    await m.query('INSERT INTO credit_balances (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING', [
      userId,
    ]);
    const [row]: Balance[] = await m.query(
      'SELECT monthly, purchased, promotional, held FROM credit_balances WHERE user_id = $1 FOR UPDATE',
      [userId],
    );
    return { monthly: row.monthly, purchased: row.purchased, promotional: row.promotional, held: row.held };
  }
}
