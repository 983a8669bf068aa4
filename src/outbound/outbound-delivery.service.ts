import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { outboundConfig, OutboundConfig } from '../config/outbound.config';
import { InFlight, LeasedJobs, nextAttempt, scheduledBackoff } from '../common/db/leased-jobs';
import { firstRow } from '../common/db/sql';
import { signedHeaders } from './delivery-signer';
import { postDelivery, SendResult } from './delivery-sender';
import { TollgateMetrics } from '../metrics/metrics.service';
import type { OutboundAttemptOutcome } from '../metrics/metrics';

interface ClaimedDelivery {
  id: string;
  event_id: string;
  endpoint_id: string;
  attempts: number;
  claim_token: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  payload: unknown;
}

export interface OutboundMetrics {
  sent: number;
  failed: number;
  retried: number;
  endpoints_disabled: number;
  disabled_endpoints: number;
  undelivered: number;
  oldest_undelivered_age_seconds: number | null;
}

/** The outbox as a leased job queue: due deliveries to enabled endpoints, each read with its endpoint and event. */
const OUTBOX = new LeasedJobs<ClaimedDelivery>({
  table: 'outbound_deliveries',
  leased: 'sending',
  waiting: ['pending'],
  pick: (due) =>
    `SELECT q.id FROM outbound_deliveries q JOIN webhook_endpoints w ON w.id = q.endpoint_id
      WHERE w.enabled AND ${due} ORDER BY q.next_attempt_at, q.id`,
  read: `SELECT c.id::text, c.event_id, c.endpoint_id, c.attempts, c.claim_token, w.url, w.secret,
                w.previous_secret, w.previous_secret_expires_at, e.payload
           FROM claimed c
           JOIN webhook_endpoints w ON w.id = c.endpoint_id
           JOIN outbound_events e ON e.id = c.event_id
          ORDER BY c.id`,
});

/**
 * Delivers the outbox. A claim is a lease (status `sending`, a claim token, `locked_until`) taken with
 * FOR UPDATE SKIP LOCKED, so several instances never send the same attempt twice; a claim whose lease expired
 * (a crashed worker) is taken again. Each attempt is signed in the Standard Webhooks format with the event's id
 * as `webhook-id` (the same on every retry); only a 2xx answer is a success; failures are retried on the
 * configured schedule, and an endpoint failing for long enough is disabled with a reason.
 */
@Injectable()
export class OutboundDeliveryService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('OutboundDelivery');
  private readonly inFlight = new InFlight();
  private readonly counters = { sent: 0, failed: 0, retried: 0, endpoints_disabled: 0 };

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(outboundConfig.KEY) private readonly config: OutboundConfig,
    private readonly prometheus: TollgateMetrics,
  ) {}

  /** The process-local tally `metrics()` reports and the Prometheus counter move together. */
  private count(outcome: OutboundAttemptOutcome): void {
    this.counters[outcome] += 1;
    this.prometheus.outboundAttempt(outcome);
  }

  /** Claims and delivers up to `limit` due deliveries; returns how many were attempted. */
  async processDue(limit = this.config.batchSize): Promise<number> {
    if (!this.inFlight.accepting) return 0;
    const work = this.claim(limit).then((claimed) => Promise.all(claimed.map((c) => this.attempt(c))));
    return (await this.inFlight.track(work)).length;
  }

  /** Shutdown, first step: claim nothing new. */
  stop(): void {
    this.inFlight.stop();
  }

  /** Before the database closes, let attempts in flight finish (their leases cover a hard kill). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stop();
    await this.inFlight.drain();
  }

  async metrics(): Promise<OutboundMetrics> {
    const row = (await firstRow<{ disabled: number; undelivered: number; oldest: number | null }>(
      this.db,
      `SELECT (SELECT count(*)::int FROM webhook_endpoints WHERE NOT enabled) AS disabled,
              (SELECT count(*)::int FROM outbound_deliveries WHERE status IN ('pending', 'sending')) AS undelivered,
              (SELECT EXTRACT(EPOCH FROM now() - min(created_at))::float8 FROM outbound_deliveries
                WHERE status IN ('pending', 'sending')) AS oldest`,
    ))!;
    return {
      ...this.counters,
      disabled_endpoints: row.disabled,
      undelivered: row.undelivered,
      oldest_undelivered_age_seconds: row.oldest === null ? null : Math.round(Number(row.oldest)),
    };
  }

  private claim(limit: number): Promise<ClaimedDelivery[]> {
    return OUTBOX.claim(this.db, { limit, leaseMs: this.config.leaseMs });
  }

  private async attempt(c: ClaimedDelivery): Promise<void> {
    const body = JSON.stringify(c.payload);
    const secrets = [c.secret];
    if (
      c.previous_secret &&
      c.previous_secret_expires_at &&
      new Date(c.previous_secret_expires_at) > new Date()
    )
      secrets.push(c.previous_secret);
    const headers = signedHeaders(secrets, c.event_id, new Date(), body);
    const policy = { production: this.config.production, allowPrivate: this.config.allowPrivate };
    let result: SendResult;
    try {
      result = await postDelivery(c.url, body, headers, this.config.timeoutMs, policy);
    } catch (err) {
      result = { status: null, latencyMs: 0, error: (err as Error).message, body: '' };
    }
    const ok = result.status !== null && result.status >= 200 && result.status < 300;
    try {
      await (ok ? this.succeed(c, result) : this.fail(c, result));
    } catch (err) {
      // The lease expires and the delivery is retried: at least once, never lost.
      this.logger.warn({ err }, `delivery ${c.id}: could not record the outcome`);
    }
  }

  private async succeed(c: ClaimedDelivery, r: SendResult): Promise<void> {
    await this.db.transaction(async (m) => {
      const recorded = await OUTBOX.finish(
        m,
        c,
        (bind) =>
          `status = 'succeeded', delivered_at = now(), last_attempt_at = now(), last_status_code = ${bind(r.status)},
           last_latency_ms = ${bind(r.latencyMs)}, last_error = NULL, claim_token = NULL`,
      );
      if (!recorded) return;
      await m.query(
        `UPDATE webhook_endpoints SET consecutive_failures = 0, failing_since = NULL WHERE id = $1`,
        [c.endpoint_id],
      );
    });
    this.count('sent');
  }

  private async fail(c: ClaimedDelivery, r: SendResult): Promise<void> {
    const { last: exhausted, delayMs: delay } = nextAttempt(
      scheduledBackoff(this.config.retryScheduleMs),
      c.attempts,
    );
    const error = (r.error ?? `HTTP ${r.status}${r.body ? `: ${r.body}` : ''}`).slice(0, 500);
    let disabled = false;
    await this.db.transaction(async (m) => {
      const recorded = await OUTBOX.fail(
        m,
        c,
        { status: exhausted ? 'failed' : 'pending', delayMs: delay },
        (bind) =>
          `last_attempt_at = now(), last_status_code = ${bind(r.status)}, last_latency_ms = ${bind(r.latencyMs)},
           last_error = ${bind(error)}, claim_token = NULL`,
      );
      if (!recorded) return;
      const reason =
        `disabled automatically after ${this.config.disableAfterFailures} or more consecutive failed deliveries; ` +
        `last: ${error}`.slice(0, 300);
      const off = await firstRow<{ just_disabled: boolean }>(
        m,
        `UPDATE webhook_endpoints w
            SET consecutive_failures = w.consecutive_failures + 1,
                failing_since = COALESCE(w.failing_since, now()),
                enabled = w.enabled AND NOT (w.consecutive_failures + 1 >= $2
                          AND COALESCE(w.failing_since, now()) <= now() - ($3::bigint * interval '1 millisecond')),
                disabled_reason = CASE WHEN w.enabled AND w.consecutive_failures + 1 >= $2
                          AND COALESCE(w.failing_since, now()) <= now() - ($3::bigint * interval '1 millisecond')
                          THEN $4 ELSE w.disabled_reason END,
                updated_at = now()
          WHERE w.id = $1
          RETURNING (NOT w.enabled AND w.disabled_reason = $4) AS just_disabled`,
        [c.endpoint_id, this.config.disableAfterFailures, this.config.disableAfterMs, reason],
      );
      disabled = off?.just_disabled === true;
    });
    this.count(exhausted ? 'failed' : 'retried');
    if (disabled) {
      this.count('endpoints_disabled');
      this.logger.warn(`webhook endpoint ${c.endpoint_id} disabled after sustained failures`);
    }
  }
}
