import type { EntityManager } from 'typeorm';
import type { CreditBreakdown, CreditReason, LedgerRow } from '../credit.types';

export interface LedgerMismatch {
  user_id: string;
  bucket: string;
  balance: number;
  ledger: number;
}

/** Reads of the ledger and balances (never writes: LedgerService is the only writer). */
export async function readBreakdown(m: EntityManager, userId: string): Promise<CreditBreakdown> {
  const rows: Array<{ monthly: number; purchased: number }> = await m.query(
    'SELECT monthly, purchased FROM credit_balances WHERE user_id = $1',
    [userId],
  );
  const b = rows[0] ?? { monthly: 0, purchased: 0 };
  return { monthly_credits: b.monthly, purchased_credits: b.purchased, total_credits: b.monthly + b.purchased };
}

/** Newest first; the cursor is the last id seen. */
export async function readLedgerPage(
  m: EntityManager,
  userId: string,
  limit: number,
  before?: string,
): Promise<{ entries: LedgerRow[]; next_cursor: string | null }> {
  const rows: LedgerRow[] = await m.query(
    `SELECT id::text, user_id, bucket, amount, balance_after, reason, source_type, source_id, idempotency_key,
            metadata, created_at
       FROM credit_ledger
      WHERE user_id = $1 AND ($2::bigint IS NULL OR id < $2::bigint)
      ORDER BY credit_ledger.id DESC
      LIMIT $3`,
    [userId, before ?? null, limit + 1],
  );
  const more = rows.length > limit;
  const entries = rows.slice(0, limit);
  return { entries, next_cursor: more ? entries[entries.length - 1].id : null };
}

/** Whether an idempotency key is in the ledger already. */
export async function ledgerHas(m: EntityManager, key: string): Promise<boolean> {
  const rows: unknown[] = await m.query('SELECT 1 FROM credit_ledger WHERE idempotency_key = $1', [key]);
  return rows.length > 0;
}

/** Sum of `metadata.requested` over earlier takebacks of one source (e.g. all refunds of a charge). */
export async function requestedSoFar(
  m: EntityManager,
  reason: CreditReason,
  sourceType: string,
  sourceId: string,
): Promise<number> {
  const [row]: Array<{ total: number }> = await m.query(
    `SELECT COALESCE(SUM((metadata->>'requested')::int), 0)::int AS total FROM credit_ledger
      WHERE reason = $1 AND source_type = $2 AND source_id = $3`,
    [reason, sourceType, sourceId],
  );
  return row.total;
}

/** How much a takeback really took (negative amounts), e.g. to restore a won dispute. */
export async function takenBy(m: EntityManager, key: string): Promise<number> {
  const [row]: Array<{ taken: number }> = await m.query(
    'SELECT COALESCE(-SUM(amount), 0)::int AS taken FROM credit_ledger WHERE idempotency_key = $1',
    [key],
  );
  return row.taken;
}

/** Recomputes every balance from the ledger (also `npm run credits:verify`, without the Nest app). */
export async function verifyLedger(m: EntityManager): Promise<LedgerMismatch[]> {
  return m.query(`
    WITH sums AS (
      SELECT user_id,
             COALESCE(SUM(amount) FILTER (WHERE bucket = 'monthly'), 0)::int AS monthly,
             COALESCE(SUM(amount) FILTER (WHERE bucket = 'purchased'), 0)::int AS purchased
        FROM credit_ledger GROUP BY user_id
    ), joined AS (
      SELECT COALESCE(b.user_id, s.user_id) AS user_id, COALESCE(b.monthly, 0) AS bm, COALESCE(b.purchased, 0) AS bp,
             COALESCE(s.monthly, 0) AS lm, COALESCE(s.purchased, 0) AS lp
        FROM credit_balances b FULL OUTER JOIN sums s ON s.user_id = b.user_id
    )
    SELECT user_id, 'monthly' AS bucket, bm AS balance, lm AS ledger FROM joined WHERE bm <> lm
    UNION ALL
    SELECT user_id, 'purchased', bp, lp FROM joined WHERE bp <> lp`);
}
