import type { EntityManager } from 'typeorm';
import { AppError, ErrorCode } from '../../common/errors';
import type { Balance, CreditBucket, PostedMovement } from '../../common/facts/credit.facts';
import type { EndGrantMovement, GrantMovement, Movement, ReturnMovement, TakeMovement } from './movements';

/** A grant's live part: not voided, not expired (by its row or by the clock), effective now. */
export const LIVE_GRANT = `remaining > 0 AND voided_at IS NULL AND expired_at IS NULL AND effective_at <= now()
  AND (expires_at IS NULL OR expires_at > now())`;

/** The consumption order: priority, then soonest expiry (none last), then oldest. */
export const CONSUMPTION_ORDER = 'priority, expires_at, created_at, id';

/** The per-row part of a ledger row, besides the movement's own fields. */
interface Row {
  bucket: CreditBucket;
  amount: number;
  grantId: string | null;
  key: string;
  metadata?: Record<string, unknown>;
}

/**
 * Applies one movement against the locked, running balance `bal` (kept up to date here), in the caller's
 * transaction; returns the ledger rows it appended (none: applied before).
 */
export async function applyMovement(
  m: EntityManager,
  userId: string,
  bal: Balance,
  mv: Movement,
): Promise<PostedMovement[]> {
  switch (mv.kind) {
    case 'grant':
      return grant(m, userId, bal, mv);
    case 'take':
      return take(m, userId, bal, mv);
    case 'end_grant':
      return endGrant(m, userId, bal, mv);
    case 'return':
      return giveBack(m, userId, bal, mv);
  }
}

async function grant(
  m: EntityManager,
  userId: string,
  bal: Balance,
  mv: GrantMovement,
): Promise<PostedMovement[]> {
  const rows: Array<{ id: string }> = await m.query(
    `INSERT INTO credit_grants (id, user_id, bucket, amount, remaining, priority, expires_at, source, source_id,
                                reason, idempotency_key, metadata)
     VALUES (COALESCE($11::uuid, gen_random_uuid()), $1, $2, $3, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING id`,
    [
      userId,
      mv.bucket,
      mv.amount,
      mv.priority ?? 50,
      mv.expiresAt ?? null,
      mv.source,
      mv.grantSourceId ?? null,
      mv.note ?? null,
      mv.key,
      JSON.stringify(mv.metadata ?? {}),
      mv.id ?? null,
    ],
  );
  if (rows.length === 0) return [];
  const metadata = { ...mv.metadata, ...(mv.expiresAt ? { expires_at: mv.expiresAt.toISOString() } : {}) };
  return append(m, userId, bal, mv, [
    { bucket: mv.bucket, amount: mv.amount, grantId: rows[0].id, key: mv.key, metadata },
  ]);
}

async function take(
  m: EntityManager,
  userId: string,
  bal: Balance,
  mv: TakeMovement,
): Promise<PostedMovement[]> {
  if (await keyed(m, userId, mv.key)) return [];
  const grants: Array<{ id: string; bucket: CreditBucket; remaining: number }> = await m.query(
    `SELECT id, bucket, remaining FROM credit_grants
      WHERE user_id = $1 AND ${LIVE_GRANT} AND ($2::text IS NULL OR bucket = $2)
      ORDER BY (id = $3::uuid) DESC NULLS LAST, ${CONSUMPTION_ORDER}
      FOR UPDATE`,
    [userId, mv.bucket ?? null, mv.first ?? null],
  );
  const parts: Row[] = [];
  let left = mv.amount;
  for (const g of grants) {
    if (left === 0) break;
    const taken = Math.min(left, g.remaining);
    left -= taken;
    parts.push({
      bucket: g.bucket,
      amount: -taken,
      grantId: g.id,
      key: parts.length ? `${mv.key}#${parts.length + 1}` : mv.key,
    });
  }
  if (left > 0 && !mv.partial) throw new AppError(ErrorCode.InsufficientCredits);
  for (const p of parts)
    await m.query('UPDATE credit_grants SET remaining = remaining + $2 WHERE id = $1', [p.grantId, p.amount]);
  const extra = mv.partial ? { requested: mv.amount, shortfall: left } : {};
  if (parts.length === 0)
    parts.push({ bucket: mv.bucket ?? 'purchased', amount: 0, grantId: mv.first ?? null, key: mv.key });
  parts[0].metadata = { ...mv.metadata, ...extra };
  return append(m, userId, bal, mv, parts);
}

async function endGrant(
  m: EntityManager,
  userId: string,
  bal: Balance,
  mv: EndGrantMovement,
): Promise<PostedMovement[]> {
  const rows: Array<{ bucket: CreditBucket; remaining: number }> = await m.query(
    `SELECT bucket, remaining FROM credit_grants
      WHERE id = $1 AND user_id = $2 AND voided_at IS NULL AND expired_at IS NULL FOR UPDATE`,
    [mv.grantId, userId],
  );
  if (rows.length === 0 || (await keyed(m, userId, mv.key))) return [];
  const [g] = rows;
  await m.query(
    mv.end === 'voided'
      ? 'UPDATE credit_grants SET remaining = 0, voided_at = now(), void_reason = $2 WHERE id = $1'
      : 'UPDATE credit_grants SET remaining = 0, expired_at = now() WHERE id = $1',
    mv.end === 'voided' ? [mv.grantId, mv.note ?? null] : [mv.grantId],
  );
  return append(m, userId, bal, mv, [
    { bucket: g.bucket, amount: -g.remaining, grantId: mv.grantId, key: mv.key },
  ]);
}

async function giveBack(
  m: EntityManager,
  userId: string,
  bal: Balance,
  mv: ReturnMovement,
): Promise<PostedMovement[]> {
  if (mv.amount <= 0 || (await keyed(m, userId, mv.key))) return [];
  const [g]: Array<{ bucket: CreditBucket; ended: string | null }> = await m.query(
    // As a SELECT over the UPDATE, so the driver answers the rows (an UPDATE answers [rows, count]).
    `WITH u AS (
       UPDATE credit_grants SET remaining = remaining + $3 WHERE id = $1 AND user_id = $2
       RETURNING bucket,
                 CASE WHEN voided_at IS NOT NULL THEN 'grant_void' WHEN expired_at IS NOT NULL THEN 'grant_expiry' END AS ended)
     SELECT * FROM u`,
    [mv.grantId, userId, mv.amount],
  );
  if (!g) throw new Error(`grant ${mv.grantId} of user ${userId} does not exist`);
  const rows = await append(m, userId, bal, mv, [
    { bucket: g.bucket, amount: mv.amount, grantId: mv.grantId, key: mv.key },
  ]);
  if (!g.ended) return rows;
  // The grant ended while its credits were out: they come back and leave again, so nothing revives.
  await m.query('UPDATE credit_grants SET remaining = remaining - $2 WHERE id = $1', [mv.grantId, mv.amount]);
  const gone = { ...mv, reason: g.ended as 'grant_void' | 'grant_expiry' };
  return [
    ...rows,
    ...(await append(m, userId, bal, gone, [
      { bucket: g.bucket, amount: -mv.amount, grantId: mv.grantId, key: `${mv.key}:ended` },
    ])),
  ];
}

/** Whether this user's ledger holds the key already. */
export async function keyed(m: EntityManager, userId: string, key: string): Promise<boolean> {
  const rows: unknown[] = await m.query(
    'SELECT 1 FROM credit_ledger WHERE user_id = $1 AND idempotency_key = $2',
    [userId, key],
  );
  return rows.length > 0;
}

/** Appends ledger rows, moving the running balance (ON CONFLICT: a key applied before is skipped). */
async function append(
  m: EntityManager,
  userId: string,
  bal: Balance,
  mv: Movement,
  rows: Row[],
): Promise<PostedMovement[]> {
  const posted: PostedMovement[] = [];
  for (const r of rows) {
    const after = bal[r.bucket] + r.amount;
    const row: PostedMovement = {
      bucket: r.bucket,
      grantId: r.grantId,
      amount: r.amount,
      reason: mv.reason,
      key: r.key,
      sourceType: mv.sourceType ?? null,
      sourceId: mv.sourceId ?? null,
      metadata: r.metadata ?? mv.metadata ?? {},
    };
    const inserted: unknown[] = await m.query(
      `INSERT INTO credit_ledger (user_id, bucket, amount, balance_after, reason, source_type, source_id,
                                  idempotency_key, grant_id, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (user_id, idempotency_key) DO NOTHING RETURNING 1`,
      [
        userId,
        row.bucket,
        row.amount,
        after,
        row.reason,
        row.sourceType,
        row.sourceId,
        row.key,
        row.grantId,
        JSON.stringify(row.metadata),
      ],
    );
    if (inserted.length === 0) continue;
    bal[r.bucket] = after;
    posted.push(row);
  }
  return posted;
}
