/**
 * The consume hot path as one atomic statement ($1 user id, $2 amount, $3 operation, $4 reason): lock the
 * balance row, decrement monthly first then purchased only if the total covers the amount, and append one
 * ledger row per bucket touched. No row back means "not enough credits" and nothing changed. Exported so the
 * benchmark and outside probes can run the very same SQL straight on pg. Only the ledger runs it.
 */
export const CONSUME_SQL = `WITH cur AS (
     SELECT user_id, monthly, purchased FROM credit_balances WHERE user_id = $1 FOR UPDATE
   ), upd AS (
     UPDATE credit_balances b
        SET monthly = cur.monthly - LEAST(cur.monthly, $2::int),
            purchased = cur.purchased - ($2::int - LEAST(cur.monthly, $2::int)),
            updated_at = now()
       FROM cur
      WHERE b.user_id = cur.user_id AND cur.monthly + cur.purchased >= $2::int
     RETURNING b.monthly, b.purchased, LEAST(cur.monthly, $2::int) AS from_monthly,
               $2::int - LEAST(cur.monthly, $2::int) AS from_purchased
   ), led AS (
     INSERT INTO credit_ledger (user_id, bucket, amount, balance_after, reason, source_type, source_id,
                                idempotency_key, metadata)
     SELECT $1, x.bucket, -x.taken, x.after, 'consume', 'consume', $3::text, $3::text || ':' || x.bucket,
            jsonb_build_object('reason', $4::text)
       FROM upd, LATERAL (VALUES ('monthly', upd.from_monthly, upd.monthly),
                                 ('purchased', upd.from_purchased, upd.purchased)) AS x(bucket, taken, after)
      WHERE x.taken > 0
   )
   SELECT monthly, purchased, from_monthly, from_purchased FROM upd`;

export interface ConsumeSqlRow {
  monthly: number;
  purchased: number;
  from_monthly: number;
  from_purchased: number;
}
