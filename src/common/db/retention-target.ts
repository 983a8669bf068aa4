import { firstRow, type Queryable } from './sql';

export type { Queryable } from './sql';

/**
 * One table's retention rule, written beside the table's owner (only the owner's code names its table in SQL;
 * the retention job just calls these). `before`: rows older than this and finished may go.
 */
export interface RetentionTarget {
  table: string;
  /** How many rows a run would delete now (`retention:run -- --dry-run`). */
  count(db: Queryable, before: Date): Promise<number>;
  /** Deletes at most `limit` of them in one statement (one short transaction); returns how many it deleted. */
  pruneBatch(db: Queryable, before: Date, limit: number): Promise<number>;
}

/** `WITH d AS (DELETE … RETURNING 1) SELECT count(*) AS n FROM d` / `SELECT count(*) AS n …`, as a number. */
export async function countOf(db: Queryable, sql: string, parameters: unknown[]): Promise<number> {
  const row = await firstRow<{ n: number | string }>(db, sql, parameters);
  return Number(row?.n ?? 0);
}
