import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LeasedJobs } from '../common/db/leased-jobs';
import { firstRow, rows } from '../common/db/sql';

/** A meter report as read from the outbox. */
interface MeterReportFields {
  id: string;
  user_id: string;
  identifier: string;
  event_name: string;
  value: number;
  period_start: Date;
  occurred_at: Date;
  attempts: number;
}

/** A meter report claimed for sending (a lease: status `sending`, its claim token). */
export interface ClaimedMeterReport extends MeterReportFields {
  claim_token: string;
}

/** One event name's reports of a user over a time window, by state (sums of `value`). */
export interface MeterUsage {
  event_name: string;
  /** Every report recorded in the window, whatever its state. */
  recorded: number;
  sent: number;
  /** Waiting or being sent. */
  unsent: number;
  dead: number;
}

export interface MeterReportRow extends MeterReportFields {
  status: 'pending' | 'sending' | 'sent' | 'dead';
  next_attempt_at: Date;
  last_error: string | null;
  sent_at: Date | null;
}

export interface MeterReportsOverview {
  pending: number;
  sending: number;
  dead: number;
  oldest_pending_age_seconds: number | null;
}

/**
 * The outbox as a leased job queue. A (user, event name) pair with a report under a live lease is not claimed
 * again meanwhile: Stripe allows one concurrent meter event call per customer and meter, so each pair is sent
 * by one worker at a time, across replicas.
 */
const OUTBOX = new LeasedJobs<ClaimedMeterReport>({
  table: 'credit_meter_reports',
  leased: 'sending',
  waiting: ['pending'],
  pick: (due) =>
    `SELECT q.id FROM credit_meter_reports q
      WHERE ${due}
        AND NOT EXISTS (SELECT 1 FROM credit_meter_reports s
                         WHERE s.user_id = q.user_id AND s.event_name = q.event_name
                           AND s.status = 'sending' AND s.locked_until >= now())
      ORDER BY q.next_attempt_at, q.id`,
  read: `SELECT c.id::text, c.user_id, c.identifier, c.event_name, c.value, c.period_start, c.occurred_at,
                c.attempts, c.claim_token
           FROM claimed c ORDER BY c.user_id, c.event_name, c.occurred_at, c.id`,
});

/**
 * The credits module's side of the meter report outbox (`credit_meter_reports`: the overage consume writes each
 * report; see consume-sql.ts): claim due reports, record how sending them went, and what an operator and the
 * period-close check read. Sending is the payments module's (MeterReporter): this service never calls Stripe.
 */
@Injectable()
export class MeterReportsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Leases up to `limit` due reports (never one leased elsewhere, never a pair being sent elsewhere), ordered by
   * user and event name; `scope` keeps to one user's reports that belong to periods starting before `before`.
   */
  claim(
    limit: number,
    leaseMs: number,
    scope?: { userId: string; before: Date },
  ): Promise<ClaimedMeterReport[]> {
    return OUTBOX.claim(
      this.db,
      { limit, leaseMs },
      scope && ((bind) => `q.user_id = ${bind(scope.userId)} AND q.period_start < ${bind(scope.before)}`),
    );
  }

  /** Stripe has the report (accepted now, or already had its identifier): `sent`. False: the lease was lost. */
  markSent(job: ClaimedMeterReport): Promise<boolean> {
    return OUTBOX.finish(
      this.db,
      job,
      () => `status = 'sent', sent_at = now(), last_error = NULL, claim_token = NULL`,
    );
  }

  /**
   * A failed attempt: back to `pending` until now + `delayMs`, or `dead` (kept for an operator). `uncounted`:
   * the attempt does not count towards the limit (Stripe's rate limit, not the report's fault).
   */
  markFailed(
    job: ClaimedMeterReport,
    outcome: { dead: boolean; delayMs: number; error: string; uncounted?: boolean },
  ): Promise<boolean> {
    return OUTBOX.fail(
      this.db,
      job,
      { status: outcome.dead ? 'dead' : 'pending', delayMs: outcome.delayMs },
      (bind) =>
        `last_error = ${bind(outcome.error.slice(0, 500))}, claim_token = NULL${
          outcome.uncounted ? ', attempts = GREATEST(0, attempts - 1)' : ''
        }`,
    );
  }

  /** Makes a user's waiting reports of periods starting before `before` due now (the period close). */
  async expedite(userId: string, before: Date): Promise<void> {
    await this.db.query(
      `UPDATE credit_meter_reports SET next_attempt_at = now()
        WHERE user_id = $1 AND status = 'pending' AND period_start < $2 AND next_attempt_at > now()`,
      [userId, before],
    );
  }

  /** A user's reports that happened in [from, to), per event name, by state. */
  usage(userId: string, from: Date, to: Date): Promise<MeterUsage[]> {
    return rows<MeterUsage>(
      this.db,
      `SELECT event_name, sum(value)::int AS recorded,
              COALESCE(sum(value) FILTER (WHERE status = 'sent'), 0)::int AS sent,
              COALESCE(sum(value) FILTER (WHERE status IN ('pending', 'sending')), 0)::int AS unsent,
              COALESCE(sum(value) FILTER (WHERE status = 'dead'), 0)::int AS dead
         FROM credit_meter_reports
        WHERE user_id = $1 AND occurred_at >= $2 AND occurred_at < $3
        GROUP BY event_name ORDER BY event_name`,
      [userId, from, to],
    );
  }

  /** Dead reports back to `pending`, due now with their attempts reset (all of them, or those of `ids`). */
  async retryDead(ids?: readonly string[]): Promise<number> {
    const retried = await rows<{ id: string }>(
      this.db,
      `UPDATE credit_meter_reports SET status = 'pending', attempts = 0, next_attempt_at = now()
        WHERE status = 'dead' AND ($1::bigint[] IS NULL OR id = ANY($1::bigint[]))
        RETURNING id`,
      [ids ? [...ids] : null],
    );
    return retried.length;
  }

  /** Dead reports, oldest first (at most `limit`). */
  dead(limit: number): Promise<MeterReportRow[]> {
    return rows<MeterReportRow>(
      this.db,
      `SELECT id::text, user_id, identifier, event_name, value, period_start, occurred_at, status, attempts,
              next_attempt_at, last_error, sent_at
         FROM credit_meter_reports WHERE status = 'dead' ORDER BY id LIMIT $1`,
      [limit],
    );
  }

  /** Reports not sent yet, by state, and the oldest one's age (the operator's view, the gauges). */
  async overview(): Promise<MeterReportsOverview> {
    // Each count reads its partial index (sent reports, the bulk of the table, are never counted).
    const row = (await firstRow<MeterReportsOverview>(
      this.db,
      `SELECT (SELECT count(*)::int FROM credit_meter_reports WHERE status = 'pending') AS pending,
              (SELECT count(*)::int FROM credit_meter_reports WHERE status = 'sending') AS sending,
              (SELECT count(*)::int FROM credit_meter_reports WHERE status = 'dead') AS dead,
              (SELECT EXTRACT(EPOCH FROM now() - min(occurred_at))::float8 FROM credit_meter_reports
                WHERE status IN ('pending', 'sending')) AS oldest_pending_age_seconds`,
    ))!;
    const oldest = row.oldest_pending_age_seconds;
    return { ...row, oldest_pending_age_seconds: oldest === null ? null : Math.round(Number(oldest)) };
  }
}
