import type { EntityManager } from 'typeorm';

export type UsageGroupBy = 'day' | 'reason' | 'grant';

/** One group of a usage statement: the spending operations whose key it is, and what they cost. */
export interface UsageGroup {
  key: string;
  /** group_by=grant only: the grant's bucket. */
  bucket?: string;
  /** Spending operations (a consume or a hold, however many grants it touched). */
  count: number;
  /** Credits spent: taken minus what came back (a hold's unused part). */
  credits: number;
  /** Credits spent past the balance (ledger rows in bucket `overage`), priced separately. */
  overage_credits: number;
  /** What those overage credits cost, in minor units of the statement's currency. */
  overage_amount: number;
}

export interface UsageOverage {
  credits: number;
  /** Minor units; null when the overage rows are in more than one currency (see `by_currency`). */
  amount_due: number | null;
  currency: string | null;
  by_currency: Array<{ currency: string; credits: number; amount_due: number }>;
}

export interface UsageSums {
  totals: { consumed: number; count: number; granted: number };
  groups: UsageGroup[];
  overage: UsageOverage;
}

/** Reasons of rows that take credits for an operation (the rows that open it). */
const TAKES = `('consume', 'hold')`;
/** Every row that belongs to a spending operation: its takes and what came back to the grants. */
const SPENDING = `('consume', 'hold', 'hold_return', 'consume_refund')`;

/**
 * A user's spending in [from, to), aggregated in the database, one query. A spending operation is a consume or a
 * hold: all the ledger rows of one source (source_type, source_id), one per grant it touched. It belongs to the
 * range (and to a day) by its take, and counts net of what came back to the grants whenever that happened (a
 * hold's `hold_return` rows): a released hold costs 0, a capture what it kept, an open hold all it holds. Rows in
 * bucket `overage` (credits spent past the balance, not part of it) are summed apart and priced by their
 * `metadata.unit_amount_decimal` (minor units per credit), rounded once per currency for the statement.
 * `granted`: the credits that entered the balance in the range (grants, purchases, periods, positive
 * adjustments), by each row's own time. Index probes: (user_id, created_at) for the takes, (source_type,
 * source_id) for the rest of each operation.
 */
const USAGE_SQL = `WITH ops AS (
    SELECT source_type, source_id, min(created_at) AS at, min(metadata->>'reason') AS reason
      FROM credit_ledger
     WHERE user_id = $1 AND created_at >= $2 AND created_at < $3
       AND (reason IN ${TAKES} OR bucket = 'overage') AND source_id IS NOT NULL
     GROUP BY source_type, source_id
  ), r AS (
    SELECT CASE $4::text WHEN 'day' THEN to_char(o.at AT TIME ZONE 'UTC', 'YYYY-MM-DD')
                         WHEN 'reason' THEN COALESCE(o.reason, l.reason)
                         ELSE COALESCE(l.grant_id::text, l.bucket) END AS key,
           o.source_type, o.source_id, l.bucket, l.amount,
           CASE WHEN l.bucket = 'overage' THEN l.metadata->>'currency' END AS currency,
           CASE WHEN l.bucket = 'overage'
                THEN -l.amount * COALESCE((l.metadata->>'unit_amount_decimal')::numeric, 0) END AS price
      FROM ops o JOIN credit_ledger l
        ON l.user_id = $1 AND l.source_type = o.source_type AND l.source_id = o.source_id
       AND (l.reason IN ${SPENDING} OR l.bucket = 'overage')
  )
  SELECT GROUPING(key, currency) AS kind, key, currency, min(bucket) AS bucket,
         count(DISTINCT (source_type, source_id))::int AS count,
         COALESCE(-sum(amount) FILTER (WHERE bucket <> 'overage'), 0)::int AS credits,
         COALESCE(-sum(amount) FILTER (WHERE bucket = 'overage'), 0)::int AS overage_credits,
         COALESCE(round(sum(price)), 0)::bigint::text AS overage_amount,
         (SELECT COALESCE(sum(amount), 0) FROM credit_ledger
           WHERE user_id = $1 AND created_at >= $2 AND created_at < $3 AND amount > 0
             AND reason NOT IN ${SPENDING} AND bucket <> 'overage')::int AS granted
    FROM r GROUP BY GROUPING SETS ((key), (currency), ())
   ORDER BY key, currency`;

interface UsageRow {
  /** GROUPING(key, currency): 1 a group, 2 a currency, 3 the total. */
  kind: number;
  key: string | null;
  currency: string | null;
  bucket: string | null;
  count: number;
  credits: number;
  overage_credits: number;
  overage_amount: string;
  granted: number;
}

export async function readUsage(
  m: EntityManager,
  userId: string,
  range: { from: Date; to: Date },
  groupBy: UsageGroupBy,
): Promise<UsageSums> {
  const rows: UsageRow[] = await m.query(USAGE_SQL, [
    userId,
    range.from.toISOString(),
    range.to.toISOString(),
    groupBy,
  ]);
  const total = rows.find((r) => r.kind === 3);
  const groups = rows
    .filter((r) => r.kind === 1)
    .map((r): UsageGroup => ({
      key: r.key ?? '',
      ...(groupBy === 'grant' ? { bucket: r.bucket ?? '' } : {}),
      count: r.count,
      credits: r.credits,
      overage_credits: r.overage_credits,
      overage_amount: Number(r.overage_amount),
    }));
  // Days in order; reasons and grants by what they cost, most first.
  if (groupBy !== 'day') groups.sort((a, b) => b.credits - a.credits || (a.key < b.key ? -1 : 1));
  const byCurrency = rows
    .filter((r) => r.kind === 2 && r.currency !== null)
    .map((r) => ({
      currency: r.currency!,
      credits: r.overage_credits,
      amount_due: Number(r.overage_amount),
    }));
  const [only] = byCurrency;
  return {
    totals: { consumed: total?.credits ?? 0, count: total?.count ?? 0, granted: total?.granted ?? 0 },
    groups,
    overage: {
      credits: total?.overage_credits ?? 0,
      amount_due: byCurrency.length > 1 ? null : (only?.amount_due ?? 0),
      currency: byCurrency.length === 1 ? only.currency : null,
      by_currency: byCurrency,
    },
  };
}

/**
 * The start of the user's current billing period as the credits engine knows it: the latest period applied
 * (`credit_periods`) that has started, of a subscription still live, i.e. whose period grant has not ended
 * (a subscription that ended expires its period grants). Null without one.
 */
export async function currentPeriodStart(m: EntityManager, userId: string): Promise<Date | null> {
  const rows: Array<{ period_start: Date }> = await m.query(
    `SELECT p.period_start FROM credit_periods p
      WHERE p.user_id = $1 AND p.period_start <= now()
        AND EXISTS (SELECT 1 FROM credit_grants g
                     WHERE g.user_id = $1 AND g.source = 'period' AND g.source_id = p.subscription_id
                       AND g.voided_at IS NULL AND g.expired_at IS NULL
                       AND (g.expires_at IS NULL OR g.expires_at > now()))
      ORDER BY p.period_start DESC LIMIT 1`,
    [userId],
  );
  return rows[0] ? new Date(rows[0].period_start) : null;
}
