/**
 * The consume hot path as one atomic statement ($1 user id, $2 amount, $3 operation, $4 reason): lock the
 * user's balance row (every posting locks it first, so the user's writers are serialized and never deadlock),
 * then lock the user's live grants in consumption order — priority, then soonest expiry (none last), then
 * oldest — and, only if they cover the amount, take it from them in that order: each grant's remaining goes
 * down, each bucket's balance goes down by what its grants gave, and one ledger row per grant touched names
 * the grant (keyed `$3`, then `$3#2`, `$3#3`…). A grant past its `expires_at` is never taken, even before the
 * expiry job wrote its row. No row back means "not enough credits" and nothing changed.
 *
 * Keyed by user_id throughout (balance, grants, ledger): on a distributed PostgreSQL the credit tables can be
 * distributed by user_id and this statement routes to one shard unchanged. Exported so the benchmark and
 * outside probes can run the very same SQL straight on pg. Only the ledger runs it.
 *
 * The statement behind CONSUME_SQL and HOLD_SQL. A hold is the same take, recorded as a `hold` (its ledger rows
 * keyed `hold:<id>`, `hold:<id>#2`…), moved to `held` in the balance row, and only done when its hold row is
 * inserted (a repeated Idempotency-Key inserts nothing, so it takes nothing).
 */
function takeSql(kind: 'consume' | 'hold'): string {
  const hold = kind === 'hold';
  const key = hold ? `'hold:' || $3::text` : '$3::text';
  return `WITH bal AS (
     SELECT user_id FROM credit_balances WHERE user_id = $1 FOR UPDATE
   ), live AS (
     SELECT id, bucket, remaining, priority, expires_at, created_at FROM credit_grants
      WHERE user_id = (SELECT user_id FROM bal) AND remaining > 0 AND voided_at IS NULL AND expired_at IS NULL
        AND effective_at <= now() AND (expires_at IS NULL OR expires_at > now())
      ORDER BY priority, expires_at, created_at, id
      FOR UPDATE
   ), ordered AS (
     SELECT id, bucket, remaining, row_number() OVER w AS n, sum(remaining) OVER w AS upto
       FROM live WINDOW w AS (ORDER BY priority, expires_at, created_at, id)
   ), take AS (
     SELECT id, bucket, n, LEAST(remaining, $2::int - (upto - remaining))::int AS taken
       FROM ordered
      WHERE upto - remaining < $2::int AND (SELECT max(upto) FROM ordered) >= $2::int
   ),${
     hold
       ? ` ins AS (
     INSERT INTO credit_holds (id, user_id, amount, reason, idempotency_key, request_hash, expires_at)
     SELECT $3::uuid, $1, $2::int, $4::text, $5::text, $6::text, now() + make_interval(secs => $7::int)
      WHERE (SELECT COALESCE(sum(taken), 0) FROM take) = $2::int
     ON CONFLICT (user_id, idempotency_key) DO NOTHING
     RETURNING id, expires_at, created_at
   ),`
       : ''
   } spent AS (
     UPDATE credit_grants g SET remaining = g.remaining - t.taken FROM take t${hold ? ', ins' : ''}
      WHERE g.id = t.id AND g.user_id = $1
     RETURNING g.id
   ), split AS (
     SELECT COALESCE(sum(taken) FILTER (WHERE bucket = 'monthly'), 0)::int AS m,
            COALESCE(sum(taken) FILTER (WHERE bucket = 'purchased'), 0)::int AS p,
            COALESCE(sum(taken) FILTER (WHERE bucket = 'promotional'), 0)::int AS r
       FROM take
   ), upd AS (
     UPDATE credit_balances b
        SET monthly = b.monthly - s.m, purchased = b.purchased - s.p, promotional = b.promotional - s.r,
            ${hold ? 'held = b.held + $2::int, ' : ''}updated_at = now()
       FROM split s${hold ? ', ins' : ''}
      WHERE b.user_id = $1 AND s.m + s.p + s.r = $2::int
     RETURNING b.monthly, b.purchased, b.promotional, b.held, s.m AS from_monthly, s.p AS from_purchased,
               s.r AS from_promotional
   ), led AS (
     INSERT INTO credit_ledger (user_id, bucket, amount, balance_after, reason, source_type, source_id,
                                idempotency_key, grant_id, metadata)
     SELECT $1, t.bucket, -t.taken,
            CASE t.bucket WHEN 'monthly' THEN u.monthly + u.from_monthly
                          WHEN 'purchased' THEN u.purchased + u.from_purchased
                          ELSE u.promotional + u.from_promotional END
              - sum(t.taken) OVER (PARTITION BY t.bucket ORDER BY t.n),
            '${kind}', '${kind}', $3::text, CASE WHEN t.n = 1 THEN ${key} ELSE ${key} || '#' || t.n END, t.id,
            jsonb_build_object('reason', $4::text)
       FROM take t, upd u
      ORDER BY t.n
   )
   SELECT u.monthly, u.purchased, u.promotional, u.held, u.from_monthly, u.from_purchased, u.from_promotional,
          (SELECT json_agg(json_build_array(t.id, t.bucket, t.taken) ORDER BY t.n) FROM take t) AS parts${
            hold ? ',\n          ins.expires_at, ins.created_at' : ''
          }
     FROM upd u${hold ? ', ins' : ''}`;
}

/**
 * The consume hot path as one atomic statement ($1 user id, $2 amount, $3 operation, $4 reason). See above.
 */
export const CONSUME_SQL = takeSql('consume');

/**
 * A hold as one atomic statement: $1 user id, $2 amount, $3 the new hold's id, $4 reason, $5 its
 * Idempotency-Key, $6 the request's hash, $7 its TTL in seconds. No row back: not enough credits, or the key
 * was used before (the caller tells which by reading the hold); nothing changed either way.
 */
export const HOLD_SQL = takeSql('hold');

/** HOLD_SQL's row: the consume row and the new hold's times. */
export interface HoldSqlRow extends ConsumeSqlRow {
  expires_at: Date;
  created_at: Date;
}

/** One grant a consume took from: [grant id, bucket, credits taken]. */
export type ConsumedPart = [string, 'monthly' | 'purchased' | 'promotional', number];

export interface ConsumeSqlRow {
  monthly: number;
  purchased: number;
  promotional: number;
  held: number;
  from_monthly: number;
  from_purchased: number;
  from_promotional: number;
  parts: ConsumedPart[];
}
