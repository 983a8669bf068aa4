import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { rows } from '../common/db/sql';
import type { AuditEntryDto, AuditLogPageDto, AuditLogQueryDto } from './dto/audit-log.dto';

/** One action to record (see AuditInterceptor for what counts as one). */
export interface AuditRecord {
  actorType: 'user' | 'api_key';
  actorId: string;
  actorLabel: string | null;
  action: string;
  target: Record<string, string>;
  reason: string | null;
  requestId: string | null;
  status: number;
}

interface AuditRow {
  id: string;
  occurred_at: Date;
  actor_type: 'user' | 'api_key';
  actor_id: string;
  actor_label: string | null;
  action: string;
  target: Record<string, string>;
  reason: string | null;
  request_id: string | null;
  status: number;
}

/** Owner of `audit_log` (append-only: the database refuses UPDATE, DELETE and TRUNCATE; retention skips it). */
@Injectable()
export class AuditLogService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async record(r: AuditRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO audit_log (actor_type, actor_id, actor_label, action, target, reason, request_id, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        r.actorType,
        r.actorId,
        r.actorLabel,
        r.action.slice(0, 160),
        JSON.stringify(r.target),
        r.reason,
        r.requestId?.slice(0, 64) ?? null,
        r.status,
      ],
    );
  }

  /** Newest first, filtered by actor and action, paged by id (`next_cursor`). */
  async page(q: AuditLogQueryDto): Promise<AuditLogPageDto> {
    const found = await rows<AuditRow>(
      this.db,
      `SELECT id::text, occurred_at, actor_type, actor_id, actor_label, action, target, reason, request_id, status
         FROM audit_log
        WHERE ($1::bigint IS NULL OR id < $1::bigint)
          AND ($2::varchar IS NULL OR actor_id = $2)
          AND ($3::varchar IS NULL OR action LIKE '%' || $3 || '%')
        ORDER BY id DESC
        LIMIT $4`,
      [q.cursor ?? null, q.actor_id ?? null, q.action ?? null, q.limit + 1],
    );
    const entries = found.slice(0, q.limit).map(present);
    return { entries, next_cursor: found.length > q.limit ? entries[entries.length - 1].id : null };
  }
}

const present = (r: AuditRow): AuditEntryDto => ({
  id: r.id,
  occurred_at: new Date(r.occurred_at).toISOString(),
  actor: { type: r.actor_type, id: r.actor_id, label: r.actor_label },
  action: r.action,
  target: r.target,
  reason: r.reason,
  request_id: r.request_id,
  status: r.status,
});
