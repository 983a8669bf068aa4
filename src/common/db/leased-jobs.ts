import { randomUUID } from 'node:crypto';
import { rows, touched, type Queryable } from './sql';

/**
 * One leased job queue over a table, shared by the Stripe webhook inbox and the outbound delivery outbox.
 *
 * A row is a job with `status`, `attempts`, `claim_token`, `locked_until` and `next_attempt_at`. A claim is a
 * lease: due rows (waiting and `next_attempt_at` passed, or leased and the lease expired because a worker
 * died) are picked with `FOR UPDATE SKIP LOCKED`, so several instances never take the same row, then marked
 * leased with a fresh claim token and `attempts + 1`. Finishing or failing a job only counts while the token is
 * still ours (`RETURNING` says whether it was): a worker whose lease was taken over changes nothing.
 *
 * The owning module keeps its SQL: it names its table, picks (its joins, order, filters) and reads what a claim
 * returns; this file only adds the lease around them.
 */

/** Appends a parameter and returns its placeholder (`$n`), so callers never count parameters by hand. */
export type Bind = (value: unknown) => string;

export interface LeasedJob {
  id: string;
  attempts: number;
  claim_token: string;
}

export interface LeasedQueue {
  /** The jobs' table (the owning module's). */
  table: string;
  /** Status of a job under lease (`processing`, `sending`). */
  leased: string;
  /** Statuses that wait for `next_attempt_at` (`pending`, `failed`). */
  waiting: readonly string[];
  /**
   * `SELECT q.id FROM <table> q … WHERE … ${due} … ORDER BY …` (no LIMIT, no locking clause): which due jobs to
   * take, in order. The table's alias must be `q`.
   */
  pick: (due: string, bind: Bind) => string;
  /** `SELECT … FROM claimed c … ORDER BY …`: what a claim hands back (`claimed` holds the leased rows). */
  read: string;
}

export interface Claim {
  limit: number;
  leaseMs: number;
}

/** When a failed job runs again, and when it stops trying. */
export interface RetryPolicy {
  /** The attempt that fails the `maxAttempts`-th time is the last: the job is then given up. */
  maxAttempts: number;
  /** Delay after the `attempt`-th failed attempt (1-based). */
  delayMs(attempt: number): number;
}

/** base, 2·base, 4·base … capped. */
export const exponentialBackoff = (maxAttempts: number, baseMs: number, capMs: number): RetryPolicy => ({
  maxAttempts,
  delayMs: (attempt) => Math.min(baseMs * 2 ** (attempt - 1), capMs),
});

/** One delay per retry from a list; after the last one the job is given up. */
export const scheduledBackoff = (schedule: readonly number[]): RetryPolicy => ({
  maxAttempts: schedule.length + 1,
  delayMs: (attempt) => schedule[attempt - 1] ?? 0,
});

/** What a failed attempt means under a policy: the job is given up (`last`), or runs again after `delayMs`. */
export function nextAttempt(policy: RetryPolicy, attempts: number): { last: boolean; delayMs: number } {
  return { last: attempts >= policy.maxAttempts, delayMs: policy.delayMs(attempts) };
}

function binder(initial: unknown[]): { params: unknown[]; bind: Bind } {
  const params = [...initial];
  return { params, bind: (value) => `$${params.push(value)}` };
}

export class LeasedJobs<J extends LeasedJob> {
  constructor(private readonly queue: LeasedQueue) {}

  /** Leases up to `limit` due jobs (none is leased twice across instances). */
  async claim(db: Queryable, claim: Claim, filter?: (bind: Bind) => string): Promise<J[]> {
    const { table, leased, waiting } = this.queue;
    const { params, bind } = binder([randomUUID(), claim.leaseMs, claim.limit]);
    const waitingList = waiting.map((s) => bind(s)).join(', ');
    const leasedParam = bind(leased);
    let due =
      `((q.status IN (${waitingList}) AND q.next_attempt_at <= now())` +
      ` OR (q.status = ${leasedParam} AND q.locked_until < now()))`;
    if (filter) due += ` AND ${filter(bind)}`;
    const pick = this.queue.pick(due, bind);
    return rows<J>(
      db,
      `WITH claimed AS (
         UPDATE ${table} j
            SET status = ${leasedParam}, claim_token = $1, attempts = j.attempts + 1,
                locked_until = now() + ($2::int * interval '1 millisecond')
          WHERE j.id IN (${pick} LIMIT $3 FOR UPDATE OF q SKIP LOCKED)
         RETURNING j.*)
       ${this.queue.read}`,
      params,
    );
  }

  /** Records a finished job (`set`: its outcome columns) if the lease is still ours; says whether it was. */
  finish(db: Queryable, job: J, set: (bind: Bind) => string): Promise<boolean> {
    return this.release(db, job, set);
  }

  /**
   * Records a failed attempt if the lease is still ours: the job waits in `status` until now + `delayMs` (a
   * waiting status) or is given up (a final one). `set`: further columns (the error, the last answer).
   */
  fail(
    db: Queryable,
    job: J,
    outcome: { status: string; delayMs: number },
    set?: (bind: Bind) => string,
  ): Promise<boolean> {
    return this.release(db, job, (bind) =>
      [
        `status = ${bind(outcome.status)}`,
        `next_attempt_at = now() + (${bind(outcome.delayMs)}::int * interval '1 millisecond')`,
        ...(set ? [set(bind)] : []),
      ].join(', '),
    );
  }

  private release(db: Queryable, job: J, set: (bind: Bind) => string): Promise<boolean> {
    const { params, bind } = binder([job.id, job.claim_token]);
    const columns = set(bind);
    return touched(
      db,
      `UPDATE ${this.queue.table} SET ${columns}, locked_until = NULL
        WHERE id = $1 AND claim_token = $2 AND status = ${bind(this.queue.leased)} RETURNING 1`,
      params,
    );
  }
}

/** The work a worker has started and not finished, so shutdown can stop claiming and wait for it (`drain`). */
export class InFlight {
  private readonly work = new Set<Promise<unknown>>();
  private stopped = false;

  /** False once `stop()` was called: claim nothing new. */
  get accepting(): boolean {
    return !this.stopped;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Tracks `p` until it settles and returns it: its result and error stay the caller's. */
  track<T>(p: Promise<T>): Promise<T> {
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.work.add(settled);
    void settled.finally(() => this.work.delete(settled));
    return p;
  }

  /** Waits until nothing is in flight, including work started while waiting. */
  async drain(): Promise<void> {
    while (this.work.size > 0) await Promise.all([...this.work]);
  }
}
