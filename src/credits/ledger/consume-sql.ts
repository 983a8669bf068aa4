/**
 * The start every take shares: the request set, the users' balance rows locked (in user id order), their usage
 * windows, and their live grants locked in consumption order with running sums (`upto`, `total`).
 */
function lockedGrants(items: string, one: boolean, recursive = false, overage = false): string {
  // The overage variant locks only users whose balance row carries an overage policy (others are not its business).
  const ov = overage
    ? ', overage_policy, overage_period_start, overage_period_end, overage_used, overage_cap'
    : '';
  // Filters by the parameter itself (one user, or = ANY of the array), so every lookup is an index probe.
  const userIn = one ? '= $1::uuid' : '= ANY($1::uuid[])';
  return `WITH${recursive ? ' RECURSIVE' : ''} items AS (
     ${items}
   ), bal AS (
     SELECT user_id, monthly + purchased + promotional AS total, usage_limits, usage_hour_start, usage_hour_used,
            usage_day_start, usage_day_used, usage_month_start, usage_month_used${ov}
       FROM credit_balances WHERE user_id ${userIn}${overage ? ' AND overage_policy IS NOT NULL' : ''}
      ORDER BY user_id FOR UPDATE
   ), win AS (
     SELECT user_id, total, usage_limits${ov},
            date_trunc('hour', now(), 'UTC') AS h_ws, date_trunc('day', now(), 'UTC') AS d_ws,
            date_trunc('month', now(), 'UTC') AS m_ws,
            CASE WHEN usage_hour_start = date_trunc('hour', now(), 'UTC') THEN usage_hour_used ELSE 0 END AS h_used,
            CASE WHEN usage_day_start = date_trunc('day', now(), 'UTC') THEN usage_day_used ELSE 0 END AS d_used,
            CASE WHEN usage_month_start = date_trunc('month', now(), 'UTC') THEN usage_month_used ELSE 0 END AS m_used
       FROM bal
   ), live AS (
     SELECT user_id, id, bucket, remaining, priority, expires_at, created_at FROM credit_grants
      -- through bal: a user's grants are locked only once their balance row is (every writer's order)
      WHERE user_id ${one ? '= (SELECT user_id FROM bal)' : 'IN (SELECT user_id FROM bal)'}
        AND remaining > 0 AND voided_at IS NULL AND expired_at IS NULL
        AND effective_at <= now() AND (expires_at IS NULL OR expires_at > now())
      ORDER BY user_id, priority, expires_at, created_at, id
      FOR UPDATE
   ), ordered AS (
     SELECT user_id, id, bucket, remaining, row_number() OVER w AS n, sum(remaining) OVER w AS upto,
            sum(remaining) OVER (PARTITION BY user_id) AS total
       FROM live WINDOW w AS (PARTITION BY user_id ORDER BY priority, expires_at, created_at, id)
`;
}

/** Whether a request of `amount` would pass one of the user's usage limits, given the windows' `used` so far. */
function passesLimit(amount: string, limits: string, hour: string, day: string, month: string): string {
  return `EXISTS (
        SELECT 1 FROM jsonb_array_elements(${limits}) l
         WHERE ${amount} + CASE l->>'per' WHEN 'hour' THEN ${hour} WHEN 'day' THEN ${day}
                                         ELSE ${month} END > (l->>'credits')::int)`;
}

/**
 * The take behind CONSUME_SQL, CONSUME_BATCH_SQL and HOLD_SQL, written over a set of requests (`items`: one
 * per user; the batch runs many users' consumes as one statement, so they share one round trip and one commit).
 * For each request: lock the user's balance row (every posting locks it first, and a batch locks its users in
 * user id order, so the user's writers are serialized and never deadlock), then lock the user's live grants in
 * consumption order — priority, then soonest expiry (none last), then oldest — and, only if they cover the
 * amount and no usage limit would be passed, take it from them in that order: each grant's remaining goes
 * down, each bucket's balance goes down by what its grants gave, the usage windows count it, and one ledger
 * row per grant touched names the grant (keyed by the request's operation, then `op#2`, `op#3`…). A grant past
 * its `expires_at` is never taken, even before the expiry job wrote its row. A request with no row back was
 * refused (not enough credits, or a usage limit) and changed nothing.
 *
 * Keyed by user_id throughout (balance, grants, ledger): on a distributed PostgreSQL the credit tables can be
 * distributed by user_id. Only the ledger runs these statements.
 *
 * A hold is the same take for one request, recorded as a `hold` (its ledger rows keyed `hold:<id>`,
 * `hold:<id>#2`…), moved to `held` in the balance row, and only done when its hold row is inserted (a repeated
 * Idempotency-Key inserts nothing, so it takes nothing).
 */
function takeSql(kind: 'consume' | 'hold', items: string, one: boolean): string {
  const hold = kind === 'hold';
  const key = hold ? `'hold:' || it.op` : 'it.op';
  return `${lockedGrants(items, one)}   ), allowed AS (
     SELECT it.user_id FROM items it JOIN win w ON w.user_id = it.user_id
      -- a request with a floor is not taken when it would cross it (the caller runs it where that is watched)
      WHERE (it.floor IS NULL OR NOT (w.total >= it.floor AND w.total - it.amount < it.floor))
        AND NOT ${passesLimit('it.amount', 'w.usage_limits', 'w.h_used', 'w.d_used', 'w.m_used')}
   ), take AS (
     SELECT o.user_id, o.id, o.bucket, o.n, LEAST(o.remaining, it.amount - (o.upto - o.remaining))::int AS taken
       FROM ordered o JOIN items it ON it.user_id = o.user_id
      WHERE o.upto - o.remaining < it.amount AND o.total >= it.amount
        AND o.user_id IN (SELECT user_id FROM allowed)
   ),${
     hold
       ? ` ins AS (
     INSERT INTO credit_holds (id, user_id, amount, reason, idempotency_key, request_hash, expires_at)
     SELECT it.op::uuid, it.user_id, it.amount, it.reason, it.key, it.hash, now() + make_interval(secs => it.ttl)
       FROM items it
      WHERE (SELECT COALESCE(sum(t.taken), 0) FROM take t WHERE t.user_id = it.user_id) = it.amount
     ON CONFLICT (user_id, idempotency_key) DO NOTHING
     RETURNING user_id, expires_at, created_at
   ),`
       : ''
   } spent AS (
     UPDATE credit_grants g SET remaining = g.remaining - t.taken
       FROM take t${hold ? ' JOIN ins ON ins.user_id = t.user_id' : ''}
      WHERE g.id = t.id AND g.user_id = t.user_id
     RETURNING g.id
   ), split AS (
     ${BUCKET_SUMS} FROM take GROUP BY user_id
   ), upd AS (
     UPDATE credit_balances b
        SET monthly = b.monthly - s.m, purchased = b.purchased - s.p, promotional = b.promotional - s.r,
            ${hold ? 'held = b.held + it.amount, ' : ''}updated_at = now(),
            usage_hour_start = w.h_ws, usage_hour_used = w.h_used + it.amount,
            usage_day_start = w.d_ws, usage_day_used = w.d_used + it.amount,
            usage_month_start = w.m_ws, usage_month_used = w.m_used + it.amount
       FROM split s JOIN win w ON w.user_id = s.user_id JOIN items it ON it.user_id = s.user_id${
         hold ? ' JOIN ins ON ins.user_id = s.user_id' : ''
       }
      WHERE b.user_id = s.user_id AND s.m + s.p + s.r = it.amount
     RETURNING b.user_id, b.monthly, b.purchased, b.promotional, b.held, s.m AS from_monthly,
               s.p AS from_purchased, s.r AS from_promotional
   ), led AS (
     INSERT INTO credit_ledger (user_id, bucket, amount, balance_after, reason, source_type, source_id,
                                idempotency_key, grant_id, metadata)
     SELECT t.user_id, t.bucket, -t.taken,
            CASE t.bucket WHEN 'monthly' THEN u.monthly + u.from_monthly
                          WHEN 'purchased' THEN u.purchased + u.from_purchased
                          ELSE u.promotional + u.from_promotional END
              - sum(t.taken) OVER (PARTITION BY t.user_id, t.bucket ORDER BY t.n),
            '${kind}', '${kind}', it.op, CASE WHEN t.n = 1 THEN ${key} ELSE ${key} || '#' || t.n END, t.id,
            jsonb_build_object('reason', it.reason)
       FROM take t JOIN upd u ON u.user_id = t.user_id JOIN items it ON it.user_id = t.user_id
      ORDER BY t.user_id, t.n
   )
   SELECT it.i, u.monthly, u.purchased, u.promotional, u.held, u.from_monthly, u.from_purchased,
          u.from_promotional,
          (SELECT json_agg(json_build_array(t.id, t.bucket, t.taken) ORDER BY t.n) FROM take t
            WHERE t.user_id = u.user_id) AS parts${hold ? ',\n          ins.expires_at, ins.created_at' : ''}
     FROM upd u JOIN items it ON it.user_id = u.user_id${hold ? ' JOIN ins ON ins.user_id = u.user_id' : ''}`;
}

/** What a set of takes (`taken`, `bucket`) gave per bucket: m, p, r. */
const BUCKET_SUMS = `SELECT user_id,
            COALESCE(sum(taken) FILTER (WHERE bucket = 'monthly'), 0)::int AS m,
            COALESCE(sum(taken) FILTER (WHERE bucket = 'purchased'), 0)::int AS p,
            COALESCE(sum(taken) FILTER (WHERE bucket = 'promotional'), 0)::int AS r`;

/**
 * Many consumes as one statement, SEVERAL PER USER allowed (a hot account's concurrent requests): each user's
 * requests are decided in order (`i`) exactly as if they ran one after the other — a request is taken when the
 * user's live grants still cover it after the ones before, no usage limit would be passed counting the ones
 * before, and it would not cross its floor; a request refused changes nothing and a later smaller one may still
 * fit. Once a request is refused at its floor, the user's later requests in the statement are refused too (the
 * caller runs them again, in order, where the crossing is watched). The accepted requests then take from the
 * grants in consumption order, one after the other: request k covers the credits [off, off + amount) of the
 * user's ordered grants, where off is what the accepted requests before it took; each (request, grant) overlap
 * is one ledger row keyed by the request's operation (`op`, `op#2`…), its balance_after in order. A row back
 * per request taken: `i`, the balance right after it and what it took (as CONSUME_SQL's row).
 */
function consumeSequenceSql(items: string, overage = false): string {
  // Without overage there is no room past the grants: `g` (what a request takes from grants) is its amount.
  // A policy holds from when it is set (its period started: Stripe reports a period once it began; a test
  // clock's periods run ahead of the database's clock) until its period's end.
  const room = overage
    ? `CASE WHEN w.overage_period_end > now()
                 THEN GREATEST(0, COALESCE(w.overage_cap, (w.overage_policy->>'cap')::int) - w.overage_used)
                 ELSE 0 END::bigint`
    : '0::bigint';
  return `${lockedGrants(items, false, true, overage)}   ), q AS (
     SELECT it.*, row_number() OVER (PARTITION BY it.user_id ORDER BY it.i) AS k FROM items it
   ), seq (user_id, k, ok, g, stop, avail, room, total, h_used, d_used, m_used) AS (
     SELECT w.user_id, 0::bigint, false, 0::bigint, false,
            COALESCE((SELECT max(o.total) FROM ordered o WHERE o.user_id = w.user_id), 0)::bigint,
            ${room}, w.total::bigint, w.h_used::bigint, w.d_used::bigint, w.m_used::bigint
       FROM win w
     UNION ALL
     SELECT s.user_id, q.k, d.ok, e.g, s.stop OR c.crosses, s.avail - e.g, s.room - (e.took - e.g), s.total - e.g,
            s.h_used + e.took, s.d_used + e.took, s.m_used + e.took
       FROM seq s JOIN q ON q.user_id = s.user_id AND q.k = s.k + 1 JOIN win w ON w.user_id = s.user_id
            CROSS JOIN LATERAL (
              SELECT q.floor IS NOT NULL AND s.total >= q.floor
                     AND s.total - LEAST(q.amount, s.avail) < q.floor AS crosses,
                     ${passesLimit('q.amount', 'w.usage_limits', 's.h_used', 's.d_used', 's.m_used')} AS limited
            ) c
            CROSS JOIN LATERAL (
              SELECT NOT s.stop AND NOT c.crosses AND NOT c.limited AND q.amount <= s.avail + s.room AS ok
            ) d
            CROSS JOIN LATERAL (
              SELECT CASE WHEN d.ok THEN q.amount ELSE 0 END::bigint AS took,
                     CASE WHEN d.ok THEN LEAST(q.amount, s.avail) ELSE 0 END::bigint AS g
            ) e
   ), acc AS (
     SELECT q.user_id, q.i, q.k, q.amount, s.g::int AS g, q.op, q.reason,
            sum(s.g) OVER (PARTITION BY q.user_id ORDER BY q.k) - s.g AS off
       FROM seq s JOIN q ON q.user_id = s.user_id AND q.k = s.k WHERE s.ok
   ), take AS (
     SELECT a.user_id, a.i, a.k, o.id, o.bucket, row_number() OVER (PARTITION BY a.i ORDER BY o.n) AS pn,
            (LEAST(o.upto, a.off + a.g) - GREATEST(o.upto - o.remaining, a.off))::int AS taken
       FROM acc a JOIN ordered o ON o.user_id = a.user_id
      WHERE a.g > 0 AND o.upto > a.off AND o.upto - o.remaining < a.off + a.g
   ), spent AS (
     UPDATE credit_grants g SET remaining = g.remaining - t.taken
       FROM (SELECT user_id, id, sum(taken)::int AS taken FROM take GROUP BY user_id, id) t
      WHERE g.id = t.id AND g.user_id = t.user_id
     RETURNING g.id
   ), tk AS (
     ${BUCKET_SUMS} FROM take GROUP BY user_id
   ), split AS (
     SELECT a.user_id, COALESCE(max(tk.m), 0) AS m, COALESCE(max(tk.p), 0) AS p, COALESCE(max(tk.r), 0) AS r,
            sum(a.g)::int AS g, sum(a.amount)::int AS amount
       FROM acc a LEFT JOIN tk ON tk.user_id = a.user_id GROUP BY a.user_id
   ), upd AS (
     UPDATE credit_balances b
        SET monthly = b.monthly - s.m, purchased = b.purchased - s.p, promotional = b.promotional - s.r,
            updated_at = now(),${overage ? '\n            overage_used = b.overage_used + (s.amount - s.g),' : ''}
            usage_hour_start = w.h_ws, usage_hour_used = w.h_used + s.amount,
            usage_day_start = w.d_ws, usage_day_used = w.d_used + s.amount,
            usage_month_start = w.m_ws, usage_month_used = w.m_used + s.amount
       FROM split s JOIN win w ON w.user_id = s.user_id
      WHERE b.user_id = s.user_id AND s.m + s.p + s.r = s.g
     RETURNING b.user_id, b.monthly + s.m AS m0, b.purchased + s.p AS p0, b.promotional + s.r AS r0, b.held,
               b.overage_used - (s.amount - s.g) AS o0
   ), led AS (
     INSERT INTO credit_ledger (user_id, bucket, amount, balance_after, reason, source_type, source_id,
                                idempotency_key, grant_id, metadata)
     SELECT t.user_id, t.bucket, -t.taken,
            CASE t.bucket WHEN 'monthly' THEN u.m0 WHEN 'purchased' THEN u.p0 ELSE u.r0 END
              - sum(t.taken) OVER (PARTITION BY t.user_id, t.bucket ORDER BY t.k, t.pn),
            'consume', 'consume', a.op, CASE WHEN t.pn = 1 THEN a.op ELSE a.op || '#' || t.pn END, t.id,
            jsonb_build_object('reason', a.reason)
       FROM take t JOIN upd u ON u.user_id = t.user_id JOIN acc a ON a.i = t.i
      ORDER BY t.user_id, t.k, t.pn
   ),${overage ? OVERAGE_ROWS : ''} per AS (
     SELECT a.user_id, a.i, a.k, a.amount - a.g AS o,
            COALESCE(sum(t.taken) FILTER (WHERE t.bucket = 'monthly'), 0)::int AS m,
            COALESCE(sum(t.taken) FILTER (WHERE t.bucket = 'purchased'), 0)::int AS p,
            COALESCE(sum(t.taken) FILTER (WHERE t.bucket = 'promotional'), 0)::int AS r
       FROM acc a LEFT JOIN take t ON t.i = a.i GROUP BY a.user_id, a.i, a.k, a.amount, a.g
   ), upto AS (
     SELECT per.*, sum(m) OVER w AS cm, sum(p) OVER w AS cp, sum(r) OVER w AS cr, sum(o) OVER w AS co
       FROM per WINDOW w AS (PARTITION BY user_id ORDER BY k)
   )
   SELECT r.i, (u.m0 - r.cm)::int AS monthly, (u.p0 - r.cp)::int AS purchased, (u.r0 - r.cr)::int AS promotional,
          u.held, r.m AS from_monthly, r.p AS from_purchased, r.r AS from_promotional, r.o::int AS overage,
          (u.o0 + r.co)::int AS overage_used,${
            overage
              ? `
          COALESCE(w.overage_cap, (w.overage_policy->>'cap')::int) AS overage_cap,
          w.overage_period_start, w.overage_period_end,`
              : ''
          }
          (SELECT json_agg(json_build_array(t.id, t.bucket, t.taken) ORDER BY t.pn) FROM take t
            WHERE t.i = r.i) AS parts
     FROM upto r JOIN upd u ON u.user_id = r.user_id${overage ? ' JOIN win w ON w.user_id = r.user_id' : ''}`;
}

/**
 * The overage variant's own rows: per request past the grants, a ledger row in the `overage` bucket (not part of
 * the balance; balance_after is the period's overage so far; the price snapshot in its metadata), keyed
 * `<op>:overage`, and the meter report that will tell Stripe (its identifier the operation, so a retried send is
 * deduplicated), both in the statement that decided it.
 */
const OVERAGE_ROWS = ` oled AS (
     INSERT INTO credit_ledger (user_id, bucket, amount, balance_after, reason, source_type, source_id,
                                idempotency_key, grant_id, metadata)
     SELECT a.user_id, 'overage', -(a.amount - a.g),
            u.o0 + sum(a.amount - a.g) OVER (PARTITION BY a.user_id ORDER BY a.k),
            'consume', 'consume', a.op, a.op || ':overage', NULL,
            jsonb_build_object('reason', a.reason, 'period_start', w.overage_period_start,
                               'period_end', w.overage_period_end, 'currency', w.overage_policy->>'currency',
                               'unit_amount_decimal', w.overage_policy->>'unit_amount_decimal',
                               'event_name', w.overage_policy->>'event_name')
       FROM acc a JOIN upd u ON u.user_id = a.user_id JOIN win w ON w.user_id = a.user_id
      WHERE a.amount > a.g
      ORDER BY a.user_id, a.k
   ), rep AS (
     -- occurred at now, and never before its period began (a test clock's period runs ahead of the database's
     -- clock: the event must carry a time inside the period Stripe bills it in)
     INSERT INTO credit_meter_reports (user_id, identifier, event_name, value, period_start, occurred_at)
     SELECT a.user_id, a.op, w.overage_policy->>'event_name', a.amount - a.g, w.overage_period_start,
            GREATEST(now(), w.overage_period_start)
       FROM acc a JOIN upd u ON u.user_id = a.user_id JOIN win w ON w.user_id = a.user_id
      WHERE a.amount > a.g
   ),`;

/** A batch's requests as the statement's set of items: $1 user ids, $2 amounts, $3 operations, $4 reasons, $5 floors. */
const BATCH_ITEMS = `SELECT x.i::int AS i, x.user_id, x.amount, x.op, x.reason, x.floor
       FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::int[])
            WITH ORDINALITY AS x(user_id, amount, op, reason, floor, i)`;

/** One request as the statement's set of items: $1 user id, $2 amount, $3 operation, $4 reason. */
const ONE_ITEM =
  'SELECT 1 AS i, $1::uuid AS user_id, $2::int AS amount, $3::text AS op, $4::text AS reason, NULL::int AS floor';

/** One hold as the set of items: a consume's four, then $5 its Idempotency-Key, $6 its hash, $7 its TTL. */
const ONE_HOLD = `${ONE_ITEM}, $5::text AS key, $6::text AS hash, $7::int AS ttl`;

/**
 * The consume hot path as one atomic statement ($1 user id, $2 amount, $3 operation, $4 reason). See above.
 * Exported so the benchmark and outside probes can run the very same SQL straight on pg.
 */
export const CONSUME_SQL = takeSql('consume', ONE_ITEM, true);

/**
 * Many users' consumes as one atomic statement: $1 user ids, $2 amounts, $3 operations, $4 reasons, $5 floors
 * (arrays of one length; a user's several requests are decided in
 * their order, each seeing the ones before: see consumeSequenceSql). A floor (null: none) refuses the request when it would take the user's total from
 * at or above it to below it. A row back per request that was taken, with `i` its 1-based position; a request
 * with no row was refused and changed nothing. One statement: all of it commits, or (an error) none of it.
 */
export const CONSUME_BATCH_SQL = consumeSequenceSql(BATCH_ITEMS);

/**
 * CONSUME_BATCH_SQL with overage: the same arrays, for users whose balance row carries an overage policy (others
 * get no row): a request past the user's grants takes what the grants hold, then the rest as overage while the
 * period's overage stays within the cap (the user's own `overage_cap` when set, else the policy's); a row's
 * `overage` says how much went past the balance, `overage_used` the period's total after it.
 */
export const CONSUME_OVERAGE_SQL = consumeSequenceSql(BATCH_ITEMS, true);

/**
 * A hold as one atomic statement: $1 user id, $2 amount, $3 the new hold's id, $4 reason, $5 its
 * Idempotency-Key, $6 the request's hash, $7 its TTL in seconds. No row back: not enough credits, or the key
 * was used before (the caller tells which by reading the hold); nothing changed either way.
 */
export const HOLD_SQL = takeSql('hold', ONE_HOLD, true);

/**
 * Many users' holds as one atomic statement (one per user, as CONSUME_BATCH_SQL): arrays of HOLD_SQL's seven
 * parameters. A row back per hold placed, with `i` its 1-based position.
 */
export const HOLD_BATCH_SQL = takeSql(
  'hold',
  `SELECT x.i::int AS i, x.user_id, x.amount, x.op, x.reason, NULL::int AS floor, x.key, x.hash, x.ttl
       FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[])
            WITH ORDINALITY AS x(user_id, amount, op, reason, key, hash, ttl, i)`,
  false,
);

/** HOLD_SQL's row: the consume row and the new hold's times. */
export interface HoldSqlRow extends ConsumeSqlRow {
  expires_at: Date;
  created_at: Date;
}

/** One grant a consume took from: [grant id, bucket, credits taken]. */
export type ConsumedPart = [string, 'monthly' | 'purchased' | 'promotional', number];

export interface ConsumeSqlRow {
  /** The batch statements' rows: how much of the request went past the balance as overage, and the period's total. */
  overage?: number;
  overage_used?: number;
  /** CONSUME_OVERAGE_SQL's rows: the period's cap in force (the user's own, else the policy's) and its window. */
  overage_cap?: number;
  overage_period_start?: Date;
  overage_period_end?: Date;
  monthly: number;
  purchased: number;
  promotional: number;
  held: number;
  from_monthly: number;
  from_purchased: number;
  from_promotional: number;
  parts: ConsumedPart[];
}

/** The settlement behind SETTLE_HOLD_SQL and SETTLE_HOLD_BATCH_SQL, over a set of requests (one per user). */
function settleSql(items: string, one: boolean): string {
  // Filters by the parameters themselves (one value, or = ANY of the array), so every lookup is an index probe.
  const userIn = one ? '= $1::uuid' : '= ANY($1::uuid[])';
  const holdIn = one ? '= $2::uuid' : '= ANY($2::uuid[])';
  const sourceIn = one ? '= $2::text' : '= ANY($2::uuid[]::text[])';
  return `WITH items AS (
     ${items}
   ), bal AS (
     SELECT user_id FROM credit_balances WHERE user_id ${userIn} ORDER BY user_id FOR UPDATE
   ), h AS (
     SELECT c.id, c.user_id, c.amount, c.status, c.expires_at <= now() AS due, c.created_at
       FROM credit_holds c
      WHERE c.id ${holdIn} AND c.user_id IN (SELECT user_id FROM bal)
        AND (c.id, c.user_id) IN (SELECT hold_id, user_id FROM items)
      FOR UPDATE
   ), parts AS (
     SELECT l.id, l.user_id, l.grant_id, l.bucket, -l.amount AS taken
       FROM credit_ledger l JOIN h ON l.source_id = h.id::text AND l.user_id = h.user_id
      WHERE l.source_type = 'hold' AND l.source_id ${sourceIn} AND l.user_id ${userIn} AND l.reason = 'hold'
   ), pg AS (
     SELECT g.id, g.voided_at IS NOT NULL OR g.expired_at IS NOT NULL AS ended FROM credit_grants g
      WHERE g.user_id ${userIn} AND g.id IN (SELECT grant_id FROM parts)
      FOR UPDATE
   ), dead AS (
     SELECT DISTINCT p.user_id FROM parts p JOIN pg ON pg.id = p.grant_id WHERE pg.ended
   ), ok AS (
     SELECT h.id, h.user_id, h.amount, it.status AS to_status,
            CASE WHEN it.status = 'captured' THEN LEAST(h.amount, it.keep) ELSE 0 END AS keep, h.created_at
       FROM h JOIN items it ON it.user_id = h.user_id
      WHERE h.status = 'open' AND (NOT h.due OR it.status = 'expired')
        AND (it.status <> 'captured' OR it.cap OR it.keep <= h.amount)
        AND h.user_id NOT IN (SELECT user_id FROM dead)
   ), back AS (
     SELECT p.user_id, p.grant_id, p.bucket, row_number() OVER w AS n,
            LEAST(p.taken, GREATEST(0, (ok.amount - ok.keep) - (sum(p.taken) OVER w - p.taken)))::int AS back
       FROM parts p JOIN ok ON ok.user_id = p.user_id WINDOW w AS (PARTITION BY p.user_id ORDER BY p.id DESC)
   ), ret AS (
     SELECT user_id, grant_id, bucket, n, back FROM back WHERE back > 0
   ), gr AS (
     UPDATE credit_grants g SET remaining = g.remaining + r.back FROM ret r
      WHERE g.id = r.grant_id AND g.user_id = r.user_id
     RETURNING g.id
   ), split AS (
     SELECT ok.user_id,
            COALESCE(sum(r.back) FILTER (WHERE r.bucket = 'monthly'), 0)::int AS m,
            COALESCE(sum(r.back) FILTER (WHERE r.bucket = 'purchased'), 0)::int AS p,
            COALESCE(sum(r.back) FILTER (WHERE r.bucket = 'promotional'), 0)::int AS r
       FROM ok LEFT JOIN ret r ON r.user_id = ok.user_id GROUP BY ok.user_id
   ), hu AS (
     UPDATE credit_holds c SET status = ok.to_status,
                               captured = CASE WHEN ok.to_status = 'captured' THEN ok.keep END, settled_at = now()
       FROM ok WHERE c.id = ok.id AND c.user_id = ok.user_id
     RETURNING c.user_id, c.reason, c.expires_at, c.created_at, c.settled_at
   ), upd AS (
     UPDATE credit_balances b
        SET monthly = b.monthly + s.m, purchased = b.purchased + s.p, promotional = b.promotional + s.r,
            held = b.held - ok.amount, updated_at = now(),
            -- the unused part goes back to the usage windows the hold counted in, while they are current
            usage_hour_used = CASE WHEN b.usage_hour_start = date_trunc('hour', ok.created_at, 'UTC')
                                   THEN GREATEST(0, b.usage_hour_used - (ok.amount - ok.keep)) ELSE b.usage_hour_used END,
            usage_day_used = CASE WHEN b.usage_day_start = date_trunc('day', ok.created_at, 'UTC')
                                  THEN GREATEST(0, b.usage_day_used - (ok.amount - ok.keep)) ELSE b.usage_day_used END,
            usage_month_used = CASE WHEN b.usage_month_start = date_trunc('month', ok.created_at, 'UTC')
                                    THEN GREATEST(0, b.usage_month_used - (ok.amount - ok.keep)) ELSE b.usage_month_used END
       FROM split s JOIN ok ON ok.user_id = s.user_id
      WHERE b.user_id = s.user_id
     RETURNING b.user_id, b.monthly, b.purchased, b.promotional, b.held, s.m AS to_monthly, s.p AS to_purchased,
               s.r AS to_promotional
   ), led AS (
     INSERT INTO credit_ledger (user_id, bucket, amount, balance_after, reason, source_type, source_id,
                                idempotency_key, grant_id, metadata)
     SELECT r.user_id, r.bucket, r.back,
            CASE r.bucket WHEN 'monthly' THEN u.monthly - u.to_monthly
                          WHEN 'purchased' THEN u.purchased - u.to_purchased
                          ELSE u.promotional - u.to_promotional END
              + sum(r.back) OVER (PARTITION BY r.user_id, r.bucket ORDER BY r.n),
            'hold_return', 'hold', ok.id::text, 'hold:' || ok.id::text || ':return:' || r.n, r.grant_id, '{}'::jsonb
       FROM ret r JOIN upd u ON u.user_id = r.user_id JOIN ok ON ok.user_id = r.user_id
      ORDER BY r.user_id, r.n
   )
   SELECT it.i,
          CASE WHEN h.id IS NULL THEN 'not_found'
               WHEN h.status <> 'open' THEN 'settled'
               WHEN h.due AND it.status <> 'expired' THEN 'expired'
               WHEN it.user_id IN (SELECT user_id FROM dead) THEN 'fallback'
               WHEN ok.id IS NULL THEN 'exceeds'
               ELSE 'ok' END AS outcome,
          h.status AS prior_status, h.amount, ok.keep AS captured,
          u.monthly, u.purchased, u.promotional, u.held, u.to_monthly, u.to_purchased, u.to_promotional,
          (SELECT json_agg(json_build_array(r.grant_id, r.bucket, r.back) ORDER BY r.n) FROM ret r
            WHERE r.user_id = it.user_id) AS parts,
          hu.reason, hu.expires_at, hu.created_at, hu.settled_at
     FROM items it LEFT JOIN h ON h.user_id = it.user_id LEFT JOIN ok ON ok.user_id = it.user_id
          LEFT JOIN upd u ON u.user_id = it.user_id LEFT JOIN hu ON hu.user_id = it.user_id`;
}

/**
 * Settles a hold as one atomic statement: $1 user id, $2 hold id, $3 what a capture keeps, $4 the new status
 * (`captured`, `released`, `expired`), $5 whether a capture above the hold is capped (else refused). Locks the
 * balance row, then the hold; only an open hold (not past its TTL, unless expiring it) settles: the part not
 * kept goes back to the grants the hold took from, the last taken first (rows `hold_return`, keyed
 * `hold:<id>:return:<n>`), `held` drops by the hold. One row back, always: `outcome` says `ok`, or why nothing
 * changed (`not_found`, `settled`, `expired`, `exceeds`, or `fallback` when a grant the hold took from has ended
 * meanwhile: the caller settles it through the ledger's general posting, which handles that case).
 */
export const SETTLE_HOLD_SQL = settleSql(
  'SELECT 1 AS i, $1::uuid AS user_id, $2::uuid AS hold_id, $3::int AS keep, $4::text AS status, $5::boolean AS cap',
  true,
);

/**
 * Many users' settlements as one atomic statement (one per user, as CONSUME_BATCH_SQL): arrays of
 * SETTLE_HOLD_SQL's five parameters. One row back per request, `i` its 1-based position.
 */
export const SETTLE_HOLD_BATCH_SQL = settleSql(
  `SELECT x.i::int AS i, x.user_id, x.hold_id, x.keep, x.status, x.cap
       FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::text[], $5::boolean[])
            WITH ORDINALITY AS x(user_id, hold_id, keep, status, cap, i)`,
  false,
);

export interface SettleHoldRow {
  outcome: 'ok' | 'not_found' | 'settled' | 'expired' | 'exceeds' | 'fallback';
  prior_status: string | null;
  amount: number | null;
  captured: number | null;
  monthly: number;
  purchased: number;
  promotional: number;
  held: number;
  to_monthly: number;
  to_purchased: number;
  to_promotional: number;
  parts: ConsumedPart[] | null;
  reason: string;
  expires_at: Date;
  created_at: Date;
  settled_at: Date;
}
