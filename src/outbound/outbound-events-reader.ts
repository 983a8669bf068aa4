import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** An outbound event as operators see it. */
export interface UserOutboundEvent {
  id: string;
  type: string;
  sequence: string;
  created_at: string;
  data: Record<string, unknown>;
}

/**
 * Reads of the outbox for operators (the console's customer page). Only reads: the outbox is written by
 * OutboundEventsService alone, from this module's reactions.
 */
@Injectable()
export class OutboundEventsReader {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** One user's events, newest first by their per-user sequence; `before`: a sequence (the cursor). */
  async aboutUser(
    userId: string,
    limit: number,
    before?: string,
  ): Promise<{ events: UserOutboundEvent[]; next_cursor: string | null }> {
    const found: Array<{ id: string; type: string; sequence: string; created_at: Date; data: unknown }> =
      await this.db.query(
        `SELECT id, type, sequence::text AS sequence, created_at, payload->'data' AS data
           FROM outbound_events
          WHERE user_id = $1 AND ($2::bigint IS NULL OR sequence < $2::bigint)
          ORDER BY sequence DESC
          LIMIT $3`,
        [userId, before ?? null, limit + 1],
      );
    const events = found.slice(0, limit).map((r) => ({
      id: r.id,
      type: r.type,
      sequence: r.sequence,
      created_at: new Date(r.created_at).toISOString(),
      data: (r.data ?? {}) as Record<string, unknown>,
    }));
    return { events, next_cursor: found.length > limit ? events[events.length - 1].sequence : null };
  }
}
