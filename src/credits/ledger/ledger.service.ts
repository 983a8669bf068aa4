import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CannotExecuteNotConnectedError, DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { DomainEvents } from '../../common/events/domain-events';
import { AppError, ErrorCode } from '../../common/errors';
import { databaseConfig, DatabaseConfig } from '../../config/database.config';
import { TollgateMetrics } from '../../metrics/metrics.service';
import { Balance, CreditsPosted, PostedMovement, PostingCause } from '../../common/facts/credit.facts';
import { applyMovement } from './apply';
import { ConsumeBatcher, type ConsumeRequest } from './consume-batcher';
import {
  CONSUME_BATCH_SQL,
  CONSUME_OVERAGE_SQL,
  CONSUME_SQL,
  ConsumeSqlRow,
  HOLD_BATCH_SQL,
  HOLD_SQL,
  HoldSqlRow,
  SETTLE_HOLD_BATCH_SQL,
  SETTLE_HOLD_SQL,
  SettleHoldRow,
} from './consume-sql';
import type { PostingPlan } from './movements';

export type { Movement, PostingPlan } from './movements';

/** What a plan's overage allows in one billing period: up to `cap` credits past the balance at a price per credit. */
export interface OveragePolicy {
  periodStart: Date;
  periodEnd: Date;
  cap: number;
  currency: string;
  /** Minor units per credit, as Stripe's `unit_amount_decimal` (e.g. "0.02": 2 cents per 100 credits in usd). */
  unitAmountDecimal: string;
  /** The Stripe meter's event name the usage is reported under. */
  eventName: string;
}

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

/** A hold waiting for its statement: a consume's four parameters (the operation is the hold's id) and three more. */
interface HoldRequest extends ConsumeRequest {
  idempotencyKey: string;
  requestHash: string;
  ttlSeconds: number;
}

/** A hold's settlement waiting for its statement: SETTLE_HOLD_SQL's five parameters. */
interface SettleRequest {
  userId: string;
  holdId: string;
  keep: number;
  status: 'captured' | 'released' | 'expired';
  cap: boolean;
}

/** A take statement's pair (one request, a batch), its parameters per request, and the posting it records. */
interface TakeKind<Q extends ConsumeRequest> {
  /** The one-request statement (none: the batch statement carries one request too). */
  one: [name: string, sql: string] | null;
  many: [name: string, sql: string];
  /** Whether the batch statement takes floors (an array after the request's own parameters). */
  floors: boolean;
  values: (r: Q) => unknown[];
  posting: (r: Q) => { cause: PostingCause; reason: 'consume' | 'hold'; key: string };
}

const CONSUMES: TakeKind<ConsumeRequest> = {
  one: ['tollgate_consume_v3', CONSUME_SQL],
  many: ['tollgate_consume_batch_v3', CONSUME_BATCH_SQL],
  floors: true,
  values: (r) => [r.userId, r.amount, r.operation, r.reason],
  posting: (r) => ({
    cause: { kind: 'consume', amount: r.amount, reason: r.reason, operation: r.operation },
    reason: 'consume',
    key: r.operation,
  }),
};

/** Consumes past the balance, for users with an overage policy (CONSUME_OVERAGE_SQL). */
const OVERAGES: TakeKind<ConsumeRequest> = {
  ...CONSUMES,
  one: null,
  many: ['tollgate_consume_overage_v2', CONSUME_OVERAGE_SQL],
};

const HOLDS: TakeKind<HoldRequest> = {
  one: ['tollgate_hold_v2', HOLD_SQL],
  many: ['tollgate_hold_batch_v1', HOLD_BATCH_SQL],
  floors: false,
  values: (r) => [r.userId, r.amount, r.operation, r.reason, r.idempotencyKey, r.requestHash, r.ttlSeconds],
  posting: (r) => ({
    cause: { kind: 'hold', holdId: r.operation, amount: r.amount, reason: r.reason },
    reason: 'hold',
    key: `hold:${r.operation}`,
  }),
};

/** A consume's cause with what its row took past the balance (CONSUME_OVERAGE_SQL's rows), when it took any. */
function withOverage(cause: PostingCause & { kind: 'consume' }, row: ConsumeSqlRow): PostingCause {
  if (!row.overage || row.overage_cap == null || !row.overage_period_start || !row.overage_period_end)
    return cause;
  const overage = {
    taken: row.overage,
    used: row.overage_used ?? row.overage,
    cap: row.overage_cap,
    periodStart: new Date(row.overage_period_start),
    periodEnd: new Date(row.overage_period_end),
  };
  return { ...cause, overage };
}

/** How many users the overage hint remembers (a bound, not a cache: forgetting costs one statement). */
const OVERAGE_HINTS = 10_000;

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
  /** Consumes, holds and settlements on their own (no caller transaction) share statements: see ConsumeBatcher. */
  private readonly consumes: ConsumeBatcher<ConsumeRequest, ConsumeSqlRow>;
  private readonly overages: ConsumeBatcher<ConsumeRequest, ConsumeSqlRow>;
  /**
   * Users whose last consume found an overage policy: their consumes go to the overage statement first (it takes
   * from the grants first too), so a user past their credits pays one statement per consume, not two. A hint
   * only: a user no longer with a policy falls back to the plain statement (and leaves the set).
   */
  private readonly overageUsers = new Set<string>();
  private readonly holds: ConsumeBatcher<HoldRequest, HoldSqlRow>;
  private readonly settles: ConsumeBatcher<SettleRequest, SettleHoldRow>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(databaseConfig.KEY) database: DatabaseConfig,
    private readonly events: DomainEvents,
    private readonly metrics: TollgateMetrics,
  ) {
    this.prepare = !database.embedded;
    // At most CREDITS_BATCH_STATEMENTS statements of each kind run at once (few and full beats many and small:
    // fewer round trips and commits); the rest wait for the next, which takes them all (up to CREDITS_BATCH_MAX).
    const inFlight = database.embedded ? 1 : Math.min(database.creditsBatchStatements, database.poolSize);
    const max = database.creditsBatchMax;
    // No statement finishing for as long as a request would wait for a pooled connection: the waiting get 503.
    const wait = database.poolAcquireTimeoutMs;
    const busy = () =>
      new AppError(ErrorCode.ServiceUnavailable, undefined, undefined, { 'Retry-After': '1' });
    // A hot account's concurrent consumes share a statement too, decided in arrival order (CONSUME_BATCH_SQL).
    this.consumes = new ConsumeBatcher(
      (rs) => this.statementFor(CONSUMES, rs),
      inFlight,
      max,
      wait,
      busy,
      true,
    );
    this.overages = new ConsumeBatcher(
      (rs) => this.statementFor(OVERAGES, rs),
      inFlight,
      max,
      wait,
      busy,
      true,
    );
    this.holds = new ConsumeBatcher((rs) => this.statementFor(HOLDS, rs), inFlight, max, wait, busy);
    this.settles = new ConsumeBatcher((rs) => this.settleStatement(rs), inFlight, max, wait, busy);
  }

  /**
   * One statement for the requests a batcher grouped: on its own (autocommit) when no blocking subscriber
   * wants any of their users' facts, else in a transaction that publishes each fact before it commits (the
   * subscribers' work commits with the takes, or none of it does). Each request's row, by index.
   */
  private async statementFor<Q extends ConsumeRequest, R extends ConsumeSqlRow>(
    kind: TakeKind<Q>,
    requests: Q[],
  ): Promise<Array<R | undefined>> {
    this.metrics.consumeStatement(requests.length);
    const demands = await Promise.all(requests.map((r) => this.events.demand(CreditsPosted, r.userId)));
    const watched = demands.some((d) => d.kind === 'all' || (d.kind === 'crossing' && !kind.floors));
    if (watched) return this.db.transaction((m) => this.takeEach<Q, R>(m, kind, requests));
    if (demands.every((d) => d.kind === 'none')) return this.takeEach<Q, R>(null, kind, requests);
    // Only crossings are watched: every request runs on its own, a watched one refused where it would cross its
    // floor; those refused run again in a transaction that publishes their facts (they may have been refused
    // for want of credits: then they are refused again, and nothing changed either time).
    const floors = demands.map((d) => (d.kind === 'crossing' ? d.below : null));
    const rows = await this.takeEach<Q, R>(null, kind, requests, floors);
    const again = requests.flatMap((r, i) => (floors[i] !== null && !rows[i] ? [i] : []));
    if (again.length > 0) {
      const retried = await this.db.transaction((m) =>
        this.takeEach<Q, R>(
          m,
          kind,
          again.map((i) => requests[i]),
        ),
      );
      again.forEach((i, n) => (rows[i] = retried[n]));
    }
    return rows;
  }

  /** The kind's statement for one request, its batch statement for several (one per user); publishes each fact. */
  private async takeEach<Q extends ConsumeRequest, R extends ConsumeSqlRow>(
    m: EntityManager | null,
    kind: TakeKind<Q>,
    requests: Q[],
    floors?: Array<number | null>,
  ): Promise<Array<R | undefined>> {
    type Row = R & { i: number };
    const byIndex: Array<Row | undefined> = new Array<Row | undefined>(requests.length);
    if (requests.length === 1 && !floors && kind.one) {
      byIndex[0] = await this.run<Row>(m, kind.one[0], kind.one[1], kind.values(requests[0]));
    } else {
      const columns = requests.map((r) => kind.values(r));
      const values = columns[0].map((_, c) => columns.map((row) => row[c]));
      if (kind.floors) values.push(floors ?? requests.map(() => null));
      const rows = await this.runAll<Row>(m, kind.many[0], kind.many[1], values);
      for (const row of rows) byIndex[row.i - 1] = row;
    }
    for (const [i, row] of byIndex.entries()) {
      if (!row) continue;
      const r = requests[i];
      const p = kind.posting(r);
      const cause = p.cause.kind === 'consume' ? withOverage(p.cause, row) : p.cause;
      await this.postedByStatement(m, r.userId, row, cause, p.reason, p.key, r.reason, r.operation);
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
    if (m) {
      // In the caller's transaction: the plain take, and past the balance the overage take (same snapshot).
      const row = (await this.takeEach<ConsumeRequest, ConsumeSqlRow>(m, CONSUMES, [request]))[0];
      return row ?? (await this.takeEach<ConsumeRequest, ConsumeSqlRow>(m, OVERAGES, [request]))[0] ?? null;
    }
    if (this.overageUsers.has(userId)) {
      const row = await this.overages.submit(request);
      if (row) return row;
      const plain = await this.consumes.submit(request);
      if (plain) this.overageUsers.delete(userId); // no policy any more: the plain take served it
      return plain ?? null;
    }
    const row = await this.consumes.submit(request);
    if (row) return row;
    // Refused: past the balance, a user with an overage policy may go on (users without one get no row).
    const over = await this.overages.submit(request);
    if (over) {
      if (this.overageUsers.size >= OVERAGE_HINTS) this.overageUsers.clear();
      this.overageUsers.add(userId);
    }
    return over ?? null;
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
    const request: HoldRequest = { userId, operation: p.holdId, ...p };
    const row = m
      ? (await this.takeEach<HoldRequest, HoldSqlRow>(m, HOLDS, [request]))[0]
      : await this.holds.submit(request);
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
    const request: SettleRequest = { userId, ...p };
    const row = m ? (await this.settleEach(m, [request]))[0] : await this.settles.submit(request);
    return row!;
  }

  /** One statement for the settlements a batcher grouped, in a transaction only when a fact is wanted. */
  private async settleStatement(requests: SettleRequest[]): Promise<SettleHoldRow[]> {
    this.metrics.consumeStatement(requests.length);
    let wanted = false;
    for (const r of requests) if ((wanted = await this.events.wanted(CreditsPosted, r.userId))) break;
    if (!wanted) return this.settleEach(null, requests);
    return this.db.transaction((m) => this.settleEach(m, requests));
  }

  /** SETTLE_HOLD_SQL for one request, SETTLE_HOLD_BATCH_SQL for several (one per user); publishes each fact. */
  private async settleEach(m: EntityManager | null, requests: SettleRequest[]): Promise<SettleHoldRow[]> {
    type Row = SettleHoldRow & { i: number };
    const values = (r: SettleRequest) => [r.userId, r.holdId, r.keep, r.status, r.cap];
    const byIndex: Row[] = new Array<Row>(requests.length);
    if (requests.length === 1) {
      byIndex[0] = (await this.run<Row>(m, 'tollgate_settle_hold_v2', SETTLE_HOLD_SQL, values(requests[0])))!;
    } else {
      const columns = requests.map(values);
      const arrays = columns[0].map((_, c) => columns.map((row) => row[c]));
      for (const row of await this.runAll<Row>(
        m,
        'tollgate_settle_hold_batch_v1',
        SETTLE_HOLD_BATCH_SQL,
        arrays,
      ))
        byIndex[row.i - 1] = row;
    }
    for (const [i, row] of byIndex.entries())
      if (row.outcome === 'ok') await this.settled(m, requests[i], row);
    return byIndex;
  }

  /** Publishes a settlement's fact: in `m`'s transaction, or to after-commit subscribers. */
  private async settled(m: EntityManager | null, p: SettleRequest, row: SettleHoldRow): Promise<void> {
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
    const fact = new CreditsPosted(p.userId, cause, before, after, movements);
    if (m) await this.events.publish(m, fact);
    else this.events.committedFact(fact);
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

  /**
   * The overage policy of the user's current billing period (null: none — consumes stop at the balance), kept on
   * the balance row the consume statements lock. A new period (a later start) starts its count at zero; the same
   * period again (a repeated or late event) keeps what it has used.
   */
  async setOveragePolicy(m: EntityManager, userId: string, policy: OveragePolicy | null): Promise<void> {
    const snapshot = policy && {
      cap: policy.cap,
      currency: policy.currency,
      unit_amount_decimal: policy.unitAmountDecimal,
      event_name: policy.eventName,
    };
    await m.query(
      `INSERT INTO credit_balances AS b (user_id, overage_policy, overage_period_start, overage_period_end)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE
         SET overage_policy = EXCLUDED.overage_policy, overage_period_end = EXCLUDED.overage_period_end,
             overage_period_start = EXCLUDED.overage_period_start,
             overage_used = CASE WHEN b.overage_period_start IS NOT DISTINCT FROM EXCLUDED.overage_period_start
                                 THEN b.overage_used ELSE 0 END`,
      [userId, snapshot && JSON.stringify(snapshot), policy?.periodStart ?? null, policy?.periodEnd ?? null],
    );
  }

  /** The user's own overage cap per period (spend controls), over the plan's; null: the plan's. */
  async setOverageCap(m: EntityManager, userId: string, cap: number | null): Promise<void> {
    await m.query(
      `INSERT INTO credit_balances (user_id, overage_cap) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET overage_cap = EXCLUDED.overage_cap`,
      [userId, cap],
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
