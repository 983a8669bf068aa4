import type { EntityManager } from 'typeorm';
import { AppError, ErrorCode } from '../../common/errors';
import {
  NO_OVERAGE,
  type CreditBreakdown,
  type CreditOverage,
  type CreditReason,
  type ExpiringCredits,
  type LedgerRow,
} from '../credit.types';

export interface LedgerMismatch {
  user_id: string;
  /** A bucket, `held`, or `spent_after_expiry:<grant id>`. */
  bucket: string;
  balance: number;
  ledger: number;
  grants: number;
}

/**
 * The spendable balance by bucket, from the user's live grants (a grant past its expiry counts as empty even
 * before the expiry job wrote its row), what open holds keep aside, what expires when, and the current billing
 * period's overage (null: no policy whose period has not ended) priced exactly in numeric: ONE query.
 */
const BREAKDOWN_SQL = `WITH g AS (
    SELECT bucket, remaining, expires_at FROM credit_grants
     WHERE user_id = $1 AND remaining > 0 AND voided_at IS NULL AND expired_at IS NULL AND effective_at <= now()
       AND (expires_at IS NULL OR expires_at > now())
  ), b AS (
    SELECT held, overage_policy, overage_period_start, overage_period_end, overage_used, overage_cap
      FROM credit_balances WHERE user_id = $1)
  SELECT COALESCE((SELECT sum(remaining) FROM g WHERE bucket = 'monthly'), 0)::int AS monthly,
         COALESCE((SELECT sum(remaining) FROM g WHERE bucket = 'purchased'), 0)::int AS purchased,
         COALESCE((SELECT sum(remaining) FROM g WHERE bucket = 'promotional'), 0)::int AS promotional,
         COALESCE((SELECT held FROM b), 0)::int AS held,
         COALESCE((SELECT json_agg(json_build_object('amount', e.amount, 'expires_at',
                                     to_char(e.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                                   ORDER BY e.expires_at)
                     FROM (SELECT sum(remaining)::int AS amount, expires_at FROM g WHERE expires_at IS NOT NULL
                            GROUP BY expires_at) e), '[]') AS expiring,
         (SELECT json_build_object(
                   'enabled', true,
                   'used', b.overage_used,
                   'cap', COALESCE(b.overage_cap, (b.overage_policy->>'cap')::int),
                   'period_end', to_char(b.overage_period_end AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                   -- minor units: numeric is exact, and round() takes a half up (amounts are >= 0)
                   'amount_due', round(b.overage_used * (b.overage_policy->>'unit_amount_decimal')::numeric)::bigint,
                   'currency', b.overage_policy->>'currency')
            FROM b WHERE b.overage_policy IS NOT NULL AND b.overage_period_end > now()) AS overage`;

/** A json column as pg (an object) or PGlite (sometimes its text) hands it back. */
const jsonOf = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export async function readBreakdown(m: EntityManager, userId: string): Promise<CreditBreakdown> {
  const [b]: Array<{
    monthly: number;
    purchased: number;
    promotional: number;
    held: number;
    expiring: unknown;
    overage: unknown;
  }> = await m.query(BREAKDOWN_SQL, [userId]);
  const overage = b.overage == null ? NO_OVERAGE : jsonOf<CreditOverage>(b.overage);
  return {
    monthly_credits: b.monthly,
    purchased_credits: b.purchased,
    promotional_credits: b.promotional,
    total_credits: b.monthly + b.purchased + b.promotional,
    held_credits: b.held,
    expiring: jsonOf<ExpiringCredits[]>(b.expiring),
    overage: { ...overage, amount_due: Number(overage.amount_due) },
  };
}

/** Which ledger rows a page may hold: one reason, and `created_at` in [since, until). */
export interface LedgerFilter {
  reason?: CreditReason;
  since?: Date;
  until?: Date;
}

/** Newest first; the cursor is the last id seen. */
export async function readLedgerPage(
  m: EntityManager,
  userId: string,
  limit: number,
  before?: string,
  filter: LedgerFilter = {},
): Promise<{ entries: LedgerRow[]; next_cursor: string | null }> {
  const rows: LedgerRow[] = await m.query(
    `SELECT id::text, user_id, bucket, amount, balance_after, reason, source_type, source_id, grant_id, idempotency_key,
            metadata, created_at
       FROM credit_ledger
      WHERE user_id = $1 AND ($2::bigint IS NULL OR id < $2::bigint)
        AND ($4::text IS NULL OR reason = $4::text)
        AND ($5::timestamptz IS NULL OR created_at >= $5::timestamptz)
        AND ($6::timestamptz IS NULL OR created_at < $6::timestamptz)
      ORDER BY credit_ledger.id DESC
      LIMIT $3`,
    [
      userId,
      before ?? null,
      limit + 1,
      filter.reason ?? null,
      filter.since?.toISOString() ?? null,
      filter.until?.toISOString() ?? null,
    ],
  );
  const more = rows.length > limit;
  const entries = rows.slice(0, limit);
  return { entries, next_cursor: more ? entries[entries.length - 1].id : null };
}

/** Whether an idempotency key is in this user's ledger already. */
export async function ledgerHas(m: EntityManager, userId: string, key: string): Promise<boolean> {
  const rows: unknown[] = await m.query(
    'SELECT 1 FROM credit_ledger WHERE user_id = $1 AND idempotency_key = $2',
    [userId, key],
  );
  return rows.length > 0;
}

/** Sum of `metadata.requested` over a user's earlier takebacks of one source (e.g. all refunds of a charge). */
export async function requestedSoFar(
  m: EntityManager,
  userId: string,
  reason: CreditReason,
  sourceType: string,
  sourceId: string,
): Promise<number> {
  const [row]: Array<{ total: number }> = await m.query(
    `SELECT COALESCE(SUM((metadata->>'requested')::int), 0)::int AS total FROM credit_ledger
      WHERE user_id = $1 AND reason = $2 AND source_type = $3 AND source_id = $4`,
    [userId, reason, sourceType, sourceId],
  );
  return row.total;
}

/** The rows one take wrote (keyed `key`, `key#2`, …): which grant gave how much, in the order taken. */
export async function takeParts(
  m: EntityManager,
  userId: string,
  key: string,
): Promise<Array<{ grant_id: string; bucket: string; amount: number }>> {
  return m.query(
    `SELECT grant_id, bucket, -amount AS amount FROM credit_ledger
      WHERE user_id = $1 AND (idempotency_key = $2 OR left(idempotency_key, length($2) + 1) = $2 || '#')
        AND amount < 0 ORDER BY id`,
    [userId, key],
  );
}

/** How much a take really took (all its rows), e.g. to restore a won dispute. */
export async function takenBy(m: EntityManager, userId: string, key: string): Promise<number> {
  const parts = await takeParts(m, userId, key);
  return parts.reduce((sum, p) => sum + p.amount, 0);
}

/**
 * The ledger's integrity, per user and bucket: the cached balance = Σ ledger = Σ remaining of the grants not yet
 * voided or expired by their row; held = Σ open holds; and no credit was taken from a grant after its expiry.
 * (Also `npm run credits:verify`, without the Nest app.) Empty: all agree.
 */
export async function verifyLedger(m: EntityManager): Promise<LedgerMismatch[]> {
  return m.query(`
    WITH led AS (
      SELECT user_id, bucket, SUM(amount)::int AS total FROM credit_ledger WHERE bucket <> 'overage'
       GROUP BY user_id, bucket
    ), gr AS (
      SELECT user_id, bucket, SUM(remaining)::int AS total FROM credit_grants
       WHERE voided_at IS NULL AND expired_at IS NULL GROUP BY user_id, bucket
    ), bal AS (
      SELECT user_id, x.bucket, x.total FROM credit_balances,
             LATERAL (VALUES ('monthly', monthly), ('purchased', purchased), ('promotional', promotional)) x(bucket, total)
    ), keys AS (
      SELECT user_id, bucket FROM led UNION SELECT user_id, bucket FROM gr UNION SELECT user_id, bucket FROM bal
    ), held AS (
      SELECT b.user_id, b.held, COALESCE((SELECT SUM(amount) FROM credit_holds h
                                           WHERE h.user_id = b.user_id AND h.status = 'open'), 0)::int AS open
        FROM credit_balances b
    )
    SELECT k.user_id, k.bucket, COALESCE(b.total, 0) AS balance, COALESCE(l.total, 0) AS ledger,
           COALESCE(g.total, 0) AS grants
      FROM keys k
      LEFT JOIN bal b ON b.user_id = k.user_id AND b.bucket = k.bucket
      LEFT JOIN led l ON l.user_id = k.user_id AND l.bucket = k.bucket
      LEFT JOIN gr g ON g.user_id = k.user_id AND g.bucket = k.bucket
     WHERE COALESCE(b.total, 0) <> COALESCE(l.total, 0) OR COALESCE(b.total, 0) <> COALESCE(g.total, 0)
    UNION ALL
    SELECT user_id, 'held', held, open, open FROM held WHERE held <> open
    UNION ALL
    -- overage is not part of the balance: the period's count on the balance row equals its overage rows, and
    -- every overage credit has its meter report (pending, sent or dead: never dropped, never doubled)
    SELECT b.user_id, 'overage_used', b.overage_used, x.used, x.used
      FROM credit_balances b, LATERAL (
        SELECT COALESCE(-SUM(l.amount), 0)::int AS used FROM credit_ledger l
         WHERE l.user_id = b.user_id AND l.bucket = 'overage'
           AND (l.metadata->>'period_start')::timestamptz = b.overage_period_start) x
     WHERE b.overage_period_start IS NOT NULL AND b.overage_used <> x.used
    UNION ALL
    SELECT o.user_id, 'overage_reports', o.total, o.total, COALESCE(r.total, 0)
      FROM (SELECT user_id, -SUM(amount)::int AS total FROM credit_ledger WHERE bucket = 'overage'
             GROUP BY user_id) o
      LEFT JOIN (SELECT user_id, SUM(value)::int AS total FROM credit_meter_reports GROUP BY user_id) r
        ON r.user_id = o.user_id
     WHERE o.total <> COALESCE(r.total, 0)
    UNION ALL
    SELECT l.user_id, 'spent_after_expiry:' || g.id, 0, l.amount, 0
      FROM credit_ledger l JOIN credit_grants g ON g.id = l.grant_id AND g.user_id = l.user_id
     WHERE l.amount < 0 AND l.reason IN ('consume', 'hold') AND g.expires_at IS NOT NULL
       AND l.created_at > g.expires_at`);
}

/**
 * A refused consume or hold says what was asked and what is there (read after the refusal, outside its
 * statement: informative, not a promise). With nothing at all it keeps the spec's "No credits available".
 */
export async function explainInsufficient(
  m: EntityManager,
  err: unknown,
  userId: string,
  amount: number,
): Promise<unknown> {
  if (!(err instanceof AppError) || err.code !== ErrorCode.InsufficientCredits) return err;
  const limited = await usageLimitHit(m, userId, amount).catch(() => undefined);
  if (limited) return limited;
  const capped = await overageCapHit(m, userId, amount).catch(() => undefined);
  if (capped) return capped;
  const available = await readBreakdown(m, userId).then(
    (b) => b.total_credits,
    () => undefined,
  );
  if (available === undefined) return err;
  const details = { requested: amount, available };
  if (available === 0) return new AppError(ErrorCode.InsufficientCredits, undefined, details);
  return new AppError(
    ErrorCode.InsufficientCredits,
    `Not enough credits: ${amount} requested, ${available} available. Please purchase credits or upgrade your plan.`,
    details,
  );
}

/** Past the balance on an overage plan: the period's cap that a consume of `amount` would pass, as the 402; or null. */
async function overageCapHit(m: EntityManager, userId: string, amount: number): Promise<AppError | null> {
  const [hit]: Array<{ available: number; cap: number; used: number; period_end: Date }> = await m.query(
    `SELECT b.monthly + b.purchased + b.promotional AS available, b.overage_used AS used, b.overage_period_end AS period_end,
            COALESCE(b.overage_cap, (b.overage_policy->>'cap')::int) AS cap
       FROM credit_balances b
      WHERE b.user_id = $1 AND b.overage_policy IS NOT NULL
        AND b.overage_period_end > now()`,
    [userId],
  );
  if (!hit || hit.available + (hit.cap - hit.used) >= amount) return null;
  const periodEnd = new Date(hit.period_end).toISOString();
  return new AppError(
    ErrorCode.OverageCapReached,
    `Overage cap reached: ${hit.used} of ${hit.cap} overage credits used this period (until ${periodEnd}); ${amount} requested, ${hit.available} credits left.`,
    { requested: amount, available: hit.available, cap: hit.cap, used: hit.used, period_end: periodEnd },
  );
}

/** The usage limit (spend controls) that a take of `amount` would break now, as the 402 to answer; or null. */
async function usageLimitHit(m: EntityManager, userId: string, amount: number): Promise<AppError | null> {
  const [hit]: Array<{ per: string; limit: number; used: number; resets_at: Date }> = await m.query(
    `WITH u AS (
       SELECT l->>'per' AS per, (l->>'credits')::int AS "limit",
              CASE l->>'per'
                WHEN 'hour' THEN CASE WHEN b.usage_hour_start = date_trunc('hour', now(), 'UTC') THEN b.usage_hour_used ELSE 0 END
                WHEN 'day' THEN CASE WHEN b.usage_day_start = date_trunc('day', now(), 'UTC') THEN b.usage_day_used ELSE 0 END
                ELSE CASE WHEN b.usage_month_start = date_trunc('month', now(), 'UTC') THEN b.usage_month_used ELSE 0 END
              END AS used,
              date_trunc(l->>'per', now(), 'UTC') + ('1 ' || (l->>'per'))::interval AS resets_at
         FROM credit_balances b CROSS JOIN jsonb_array_elements(b.usage_limits) l
        WHERE b.user_id = $1)
     SELECT per, "limit", used, resets_at FROM u WHERE used + $2::int > "limit" ORDER BY resets_at DESC LIMIT 1`,
    [userId, amount],
  );
  if (!hit) return null;
  const resetsAt = new Date(hit.resets_at).toISOString();
  return new AppError(
    ErrorCode.UsageLimitReached,
    `Usage limit reached: at most ${hit.limit} credits per ${hit.per}, ${hit.used} used; it resets at ${resetsAt}.`,
    { limit: hit.limit, per: hit.per, used: hit.used, resets_at: resetsAt },
  );
}
