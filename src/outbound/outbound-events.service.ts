import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { countOf, type RetentionTarget } from '../common/db/retention-target';
import { UsersService } from '../users/users.service';
import {
  CONSUMPTION_EVENT_TYPES,
  OUTBOUND_PAYLOAD_VERSION,
  OutboundEnvelope,
  OutboundEventInput,
} from './outbound-event-types';

/** How long one instance trusts its snapshot of which event types are subscribed (consume hot path only). */
const SUBSCRIBED_TTL_MS = 2000;

export const newEventId = (): string => `msg_${randomBytes(16).toString('base64url')}`;

/** An event older than the cutoff none of whose deliveries is still pending or being sent. */
const ENDED = `e.created_at < $1 AND NOT EXISTS (
  SELECT 1 FROM outbound_deliveries p WHERE p.event_id = e.id AND p.status IN ('pending', 'sending'))`;

/**
 * Retention of the outbox, deliveries first: the finished (succeeded or failed) deliveries of ended events,
 * then the events left with no delivery. A replay reaches back only as far as the events kept.
 */
export const OUTBOUND_DELIVERIES_RETENTION: RetentionTarget = {
  table: 'outbound_deliveries',
  count: (db, before) =>
    countOf(
      db,
      `SELECT count(*)::int AS n FROM outbound_deliveries d JOIN outbound_events e ON e.id = d.event_id
        WHERE ${ENDED}`,
      [before],
    ),
  pruneBatch: (db, before, limit) =>
    countOf(
      db,
      `WITH d AS (DELETE FROM outbound_deliveries WHERE id IN (
                    SELECT d.id FROM outbound_deliveries d JOIN outbound_events e ON e.id = d.event_id
                     WHERE ${ENDED} AND d.status IN ('succeeded', 'failed') LIMIT $2)
                  RETURNING 1)
       SELECT count(*)::int AS n FROM d`,
      [before, limit],
    ),
};

export const OUTBOUND_EVENTS_RETENTION: RetentionTarget = {
  table: 'outbound_events',
  count: (db, before) =>
    countOf(db, `SELECT count(*)::int AS n FROM outbound_events e WHERE ${ENDED}`, [before]),
  pruneBatch: (db, before, limit) =>
    countOf(
      db,
      `WITH d AS (DELETE FROM outbound_events WHERE id IN (
                    SELECT e.id FROM outbound_events e WHERE ${ENDED}
                       AND NOT EXISTS (SELECT 1 FROM outbound_deliveries q WHERE q.event_id = e.id)
                     ORDER BY e.created_at LIMIT $2)
                  RETURNING 1)
       SELECT count(*)::int AS n FROM d`,
      [before, limit],
    ),
};

/** One event per consume or per hold: recorded only while an enabled endpoint subscribes to the type. */
const HIGH_VOLUME = new Set<string>(['credits.consumed', 'credits.hold_settled']);

/**
 * The outbox (CONVENTIONS §15): emit() writes the event row and one delivery per enabled endpoint subscribed
 * to its type, in the caller's transaction, so the event commits or rolls back with the change it reports.
 * Only this module's reactions (src/outbound/reactions) call it, from the facts other modules publish.
 * Nothing is sent from here: OutboundDeliveryService delivers after commit.
 */
@Injectable()
export class OutboundEventsService {
  /** The subscribed types, refreshed at most every SUBSCRIBED_TTL_MS by one query however many consumes ask. */
  private subscribed: { types: Promise<Set<string>>; at: number } | null = null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
  ) {}

  /**
   * Records one event. credits.consumed (high volume) is written only when an enabled endpoint subscribes to
   * it; every other type is always recorded (a later endpoint can have it replayed). Returns the event id, or
   * null when nothing was written.
   */
  async emit(m: EntityManager, input: OutboundEventInput, id = newEventId()): Promise<string | null> {
    if (HIGH_VOLUME.has(input.type)) {
      const [row]: Array<{ n: number }> = await m.query(
        `SELECT count(*)::int AS n FROM webhook_endpoints WHERE enabled AND $1 = ANY(events)`,
        [input.type],
      );
      if (row.n === 0) return null;
    }
    let sequence: number | null = null;
    let externalId: string | null = null;
    if (input.userId) {
      externalId = await this.users.externalIdOf(m, input.userId);
      // The counter row is locked until commit: one user's events get gap-free, ordered numbers.
      const [seq]: Array<{ last_sequence: string }> = await m.query(
        `INSERT INTO outbound_user_sequences AS s (user_id, last_sequence) VALUES ($1, 1)
         ON CONFLICT (user_id) DO UPDATE SET last_sequence = s.last_sequence + 1
         RETURNING last_sequence`,
        [input.userId],
      );
      sequence = Number(seq.last_sequence);
    }
    const envelope: OutboundEnvelope = {
      id,
      type: input.type,
      version: OUTBOUND_PAYLOAD_VERSION,
      timestamp: new Date().toISOString(),
      user_id: input.userId,
      external_id: externalId,
      sequence,
      data: input.data,
    };
    await m.query(
      `INSERT INTO outbound_events (id, type, user_id, external_id, sequence, payload, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, input.type, input.userId, externalId, sequence, JSON.stringify(envelope), envelope.timestamp],
    );
    await m.query(
      `INSERT INTO outbound_deliveries (event_id, endpoint_id)
       SELECT $1, id FROM webhook_endpoints WHERE enabled AND $2 = ANY(events)`,
      [id, input.type],
    );
    return id;
  }

  /**
   * Records an event at most once per (user, type, scope): a claim row keyed by them is inserted in the caller's
   * transaction first, and only the posting that inserts it emits (a concurrent one waits for the claim's
   * transaction and then finds it taken; a rollback drops both). Returns the event id, or null when the scope
   * had its event already.
   */
  async emitOnce(m: EntityManager, scope: string, input: OutboundEventInput & { userId: string }): Promise<string | null> {
    const id = newEventId();
    const claimed: unknown[] = await m.query(
      `INSERT INTO outbound_event_claims (user_id, type, scope, event_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, type, scope) DO NOTHING RETURNING 1`,
      [input.userId, input.type, scope, id],
    );
    if (claimed.length === 0) return null;
    return this.emit(m, input, id);
  }

  /**
   * Whether the consume path must run in a transaction to record its events: some enabled endpoint
   * subscribes to a consumption event (CONSUMPTION_EVENT_TYPES: credits.low, credits.depleted, credits.consumed,
   * credits.hold_settled, usage.overage_started, usage.cap_reached). A short-lived per-instance snapshot keeps
   * the hot path free of an extra query; the instance that changes an endpoint forgets it at once.
   */
  watchesConsumption(): Promise<boolean> {
    return this.watchesConsumptionVia(this.db);
  }

  /**
   * The same question asked inside a transaction: a stale snapshot is re-read through that transaction's own
   * connection (on embedded PGlite another connection would wait for this transaction to end).
   */
  watchesConsumptionIn(m: EntityManager): Promise<boolean> {
    return this.watchesConsumptionVia(m);
  }

  private async watchesConsumptionVia(via: DataSource | EntityManager): Promise<boolean> {
    const now = Date.now();
    if (!this.subscribed || now - this.subscribed.at > SUBSCRIBED_TTL_MS) {
      const entry = {
        at: now,
        types: via
          .query<Array<{ type: string }>>(
            `SELECT DISTINCT unnest(events) AS type FROM webhook_endpoints WHERE enabled`,
          )
          .then((rows) => new Set(rows.map((r) => r.type))),
      };
      // A failed read is not cached: the next consume asks again (and this one fails as the query did).
      entry.types.catch(() => {
        if (this.subscribed === entry) this.subscribed = null;
      });
      this.subscribed = entry;
    }
    const types = await this.subscribed.types;
    return CONSUMPTION_EVENT_TYPES.some((t) => types.has(t));
  }

  /** Called when endpoints change on this instance. */
  forgetSubscriptions(): void {
    this.subscribed = null;
  }

  /** A `webhook.test` event, delivered to one endpoint only. */
  async emitTest(m: EntityManager, endpointId: string): Promise<string> {
    const id = newEventId();
    const envelope: OutboundEnvelope = {
      id,
      type: 'webhook.test',
      version: OUTBOUND_PAYLOAD_VERSION,
      timestamp: new Date().toISOString(),
      user_id: null,
      external_id: null,
      sequence: null,
      data: { endpoint_id: endpointId, message: 'A test event from Tollgate.' },
    };
    await m.query(
      `INSERT INTO outbound_events (id, type, payload, created_at) VALUES ($1, 'webhook.test', $2, $3)`,
      [id, JSON.stringify(envelope), envelope.timestamp],
    );
    await m.query(`INSERT INTO outbound_deliveries (event_id, endpoint_id) VALUES ($1, $2)`, [
      id,
      endpointId,
    ]);
    return id;
  }
}
