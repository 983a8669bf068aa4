import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { countOf, type RetentionTarget } from '../common/db/retention-target';
import { firstRow, rows, touched } from '../common/db/sql';

export type WebhookEventStatus = 'pending' | 'processing' | 'processed' | 'failed' | 'dead' | 'ignored';

export interface WebhookEventRow {
  id: string;
  type: string;
  api_version: string | null;
  created: Date;
  status: WebhookEventStatus;
  attempts: number;
  last_error: string | null;
  /** Set when an operator should look (an api_version other than the SDK's pinned one). */
  warning: string | null;
  next_attempt_at: Date;
  received_at: Date;
  processed_at: Date | null;
  payload?: Stripe.Event;
}

/** The API version this build's Stripe SDK (and so every type the handlers read) is pinned to. */
export const PINNED_API_VERSION: string = Stripe.API_VERSION;

/**
 * Why an event's api_version deserves an operator's look: an endpoint created on another version sends objects
 * of another shape (a field the handlers read may be missing), which could otherwise grant nothing silently.
 */
export function apiVersionWarning(apiVersion: string | null | undefined): string | null {
  if (!apiVersion || apiVersion === PINNED_API_VERSION) return null;
  return (
    `api_version ${apiVersion} differs from the SDK's pinned ${PINNED_API_VERSION}: ` +
    'set the webhook endpoint to the pinned version'
  );
}

/**
 * Retention of the inbox: only done events (processed, ignored) received before the cutoff; pending,
 * processing, failed and dead stay until an operator deals with them. A Stripe delivery of a pruned event is
 * stored and processed again, which grants nothing twice: every ledger movement is keyed by its cause.
 */
const DONE = `status IN ('processed', 'ignored') AND received_at < $1`;
export const WEBHOOK_EVENTS_RETENTION: RetentionTarget = {
  table: 'webhook_events',
  count: (db, before) => countOf(db, `SELECT count(*)::int AS n FROM webhook_events WHERE ${DONE}`, [before]),
  pruneBatch: (db, before, limit) =>
    countOf(
      db,
      `WITH d AS (DELETE FROM webhook_events WHERE id IN (
                    SELECT id FROM webhook_events WHERE ${DONE} ORDER BY received_at LIMIT $2)
                  RETURNING 1)
       SELECT count(*)::int AS n FROM d`,
      [before, limit],
    ),
};

/** The durable inbox, keyed by Stripe's event id: a duplicate delivery inserts nothing. */
@Injectable()
export class WebhookInboxService {
  private readonly logger = new Logger('Webhooks');

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Returns true when the event is new. The caller answers 2xx only after this resolves. */
  async record(event: Stripe.Event): Promise<boolean> {
    const warning = apiVersionWarning(event.api_version);
    const isNew = await touched(
      this.db,
      `INSERT INTO webhook_events (id, type, api_version, created, livemode, payload, warning)
       VALUES ($1, $2, $3, to_timestamp($4), $5, $6, $7)
       ON CONFLICT (id) DO NOTHING RETURNING 1`,
      [
        event.id,
        event.type,
        event.api_version ?? null,
        event.created,
        event.livemode === true,
        JSON.stringify(event),
        warning,
      ],
    );
    if (isNew && warning) {
      this.logger.warn(
        { event_id: event.id, type: event.type, api_version: event.api_version, api_version_mismatch: true },
        `webhook ${event.type} ${event.id}: ${warning}`,
      );
    }
    return isNew;
  }

  /** Events not yet done (pending, failed and waiting to retry, or being processed), and the oldest one's age. */
  async backlog(): Promise<{ count: number; oldestSeconds: number }> {
    const row = (await firstRow<{ count: string; oldest: string | null }>(
      this.db,
      `SELECT count(*)::text AS count, EXTRACT(EPOCH FROM now() - min(received_at))::text AS oldest
         FROM webhook_events WHERE status IN ('pending', 'failed', 'processing')`,
    ))!;
    return { count: Number(row.count), oldestSeconds: row.oldest === null ? 0 : Number(row.oldest) };
  }

  /** Newest first; `after`: the id of the previous page's last event (keyset on received_at, id). */
  async list(
    status: WebhookEventStatus | undefined,
    limit: number,
    after?: string,
  ): Promise<WebhookEventRow[]> {
    return rows<WebhookEventRow>(
      this.db,
      `SELECT id, type, api_version, created, status, attempts, last_error, warning, next_attempt_at, received_at,
              processed_at
         FROM webhook_events
        WHERE ($1::text IS NULL OR status = $1)
          AND ($3::text IS NULL OR (received_at, id) < (SELECT c.received_at, c.id FROM webhook_events c WHERE c.id = $3))
        ORDER BY received_at DESC, id DESC LIMIT $2`,
      [status ?? null, limit, after ?? null],
    );
  }

  async get(id: string): Promise<WebhookEventRow | null> {
    return firstRow<WebhookEventRow>(
      this.db,
      `SELECT id, type, api_version, created, status, attempts, last_error, warning, next_attempt_at, received_at,
              processed_at
         FROM webhook_events WHERE id = $1`,
      [id],
    );
  }

  /** Makes a failed/dead (or stuck) event due now; a processed one is left alone. */
  async requeue(id: string): Promise<boolean> {
    return touched(
      this.db,
      `UPDATE webhook_events SET status = 'pending', next_attempt_at = now(), locked_until = NULL
        WHERE id = $1 AND status IN ('failed', 'dead', 'pending') RETURNING 1`,
      [id],
    );
  }
}
