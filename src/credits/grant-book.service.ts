import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors';
import { UsersService } from '../users/users.service';
import type { CreditBucket } from './credit.types';
import { LedgerService } from './ledger/ledger.service';

export type GrantStatus = 'active' | 'expired' | 'voided' | 'depleted';

/** A grant as the API shows it. */
export interface GrantView {
  id: string;
  bucket: CreditBucket;
  amount: number;
  remaining: number;
  priority: number;
  status: GrantStatus;
  effective_at: Date;
  expires_at: Date | null;
  voided_at: Date | null;
  expired_at: Date | null;
  source: string;
  source_id: string | null;
  reason: string | null;
  created_at: Date;
}

/** What a client asks to grant (through an API key or an admin). */
export interface GrantRequest {
  amount: number;
  bucket: 'promotional' | 'purchased';
  expiresAt?: string;
  expiresInDays?: number;
  priority?: number;
  reason: string;
  sourceId?: string;
}

const STATUS_SQL = `CASE WHEN voided_at IS NOT NULL THEN 'voided'
                         WHEN expired_at IS NOT NULL OR expires_at <= now() THEN 'expired'
                         WHEN remaining = 0 THEN 'depleted' ELSE 'active' END`;

const VIEW_COLUMNS = `id, bucket, amount, remaining, priority, ${STATUS_SQL} AS status, effective_at, expires_at,
  voided_at, expired_at, source, source_id, reason, created_at,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '_' || id AS cursor`;

const STATUS_FILTER: Record<GrantStatus, string> = {
  active: `remaining > 0 AND voided_at IS NULL AND expired_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
  expired: `voided_at IS NULL AND (expired_at IS NOT NULL OR expires_at <= now())`,
  voided: `voided_at IS NOT NULL`,
  depleted: `remaining = 0 AND voided_at IS NULL AND expired_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
};

/**
 * Grants an app or an operator makes and voids (promotional or purchased credits, with an expiry and a
 * priority), and the list of a user's grants. Every change posts through the ledger.
 */
@Injectable()
export class GrantBookService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly ledger: LedgerService,
    private readonly users: UsersService,
  ) {}

  /**
   * Grants credits once per Idempotency-Key: the same key with the same body answers the grant made the first
   * time; with another body, 409 IDEMPOTENCY_KEY_REUSED.
   */
  async grant(
    userId: string,
    req: GrantRequest,
    by: { source: 'api' | 'admin'; actorId: string | null; idempotencyKey: string },
  ): Promise<GrantView> {
    const expiresAt = expiryOf(req);
    const hash = createHash('sha256')
      .update(JSON.stringify({ ...req, source: by.source }))
      .digest('hex');
    const key = `${by.source}:${by.idempotencyKey}`;
    return this.db.transaction(async (m) => {
      await this.users.assertExists(m, userId);
      const id = randomUUID();
      await this.ledger.post(m, userId, async () => {
        const [prior]: Array<{ hash: string | null }> = await m.query(
          `SELECT metadata->>'request_hash' AS hash FROM credit_grants WHERE user_id = $1 AND idempotency_key = $2`,
          [userId, key],
        );
        if (prior) {
          if (prior.hash !== hash) throw new AppError(ErrorCode.IdempotencyKeyReused);
          return null;
        }
        return {
          cause: { kind: 'grant', grantId: id, source: by.source, actorId: by.actorId, note: req.reason },
          movements: [
            {
              kind: 'grant',
              id,
              bucket: req.bucket,
              amount: req.amount,
              source: by.source,
              priority: req.priority,
              expiresAt,
              grantSourceId: req.sourceId ?? null,
              note: req.reason,
              reason: 'grant',
              key,
              sourceType: by.source === 'api' ? 'api_key' : 'admin',
              sourceId: by.actorId ?? undefined,
              metadata: { note: req.reason, actor_id: by.actorId, request_hash: hash },
            },
          ],
        };
      });
      const [row]: GrantView[] = await m.query(
        `SELECT ${VIEW_COLUMNS} FROM credit_grants WHERE user_id = $1 AND idempotency_key = $2`,
        [userId, key],
      );
      return present(row);
    });
  }

  /** Voids what remains of a live grant (a ledger row, never an edit); 409 when nothing remains to void. */
  async void(userId: string, grantId: string, note: string, actorId: string | null): Promise<GrantView> {
    return this.db.transaction(async (m) => {
      await this.ledger.post(m, userId, async () => {
        const g = await this.find(m, userId, grantId);
        if (g.status !== 'active')
          throw new AppError(ErrorCode.GrantNotVoidable, undefined, { status: g.status });
        return {
          cause: { kind: 'void', grantId, actorId, note },
          movements: [
            {
              kind: 'end_grant',
              grantId,
              end: 'voided',
              note,
              reason: 'grant_void',
              key: `void:${grantId}`,
              sourceType: actorId ? 'admin' : 'api_key',
              sourceId: actorId ?? undefined,
              metadata: { note, actor_id: actorId },
            },
          ],
        };
      });
      return this.find(m, userId, grantId);
    });
  }

  /** A user's grants, newest first, optionally by status; the cursor is the last one's `next_cursor`. */
  async list(
    userId: string,
    q: { status?: GrantStatus; limit: number; cursor?: string },
  ): Promise<{ grants: GrantView[]; next_cursor: string | null }> {
    const [at, id] = q.cursor ? q.cursor.split('_') : [null, null];
    const rows: Array<GrantView & { cursor: string }> = await this.db.query(
      `SELECT ${VIEW_COLUMNS} FROM credit_grants
        WHERE user_id = $1 AND ${q.status ? STATUS_FILTER[q.status] : 'true'}
          AND ($2::timestamp IS NULL OR (created_at AT TIME ZONE 'UTC', id) < ($2::timestamp, $3::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $4`,
      [userId, at, id, q.limit + 1],
    );
    const more = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    return { grants: page.map(present), next_cursor: more ? page[page.length - 1].cursor : null };
  }

  private async find(m: EntityManager, userId: string, grantId: string): Promise<GrantView> {
    const [row]: GrantView[] = await m.query(
      `SELECT ${VIEW_COLUMNS} FROM credit_grants WHERE id = $1 AND user_id = $2`,
      [grantId, userId],
    );
    if (!row) throw new AppError(ErrorCode.GrantNotFound);
    return present(row);
  }
}

/** The expiry a request asks for: a future time, or a number of days from now, or none. */
function expiryOf(req: GrantRequest): Date | null {
  if (req.expiresAt !== undefined && req.expiresInDays !== undefined)
    throw new AppError(ErrorCode.GrantExpiryInvalid, 'Give expires_at or expires_in_days, not both.');
  if (req.expiresInDays !== undefined) return new Date(Date.now() + req.expiresInDays * 86_400_000);
  if (req.expiresAt === undefined) return null;
  const at = new Date(req.expiresAt);
  if (Number.isNaN(at.getTime()) || at.getTime() <= Date.now())
    throw new AppError(ErrorCode.GrantExpiryInvalid, 'expires_at must be a time in the future.');
  return at;
}

function present(row: GrantView & { cursor?: string }): GrantView {
  const { cursor: _cursor, ...view } = row;
  return view;
}
