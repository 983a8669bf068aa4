/**
 * Typed raw SQL for the paths that are not hot: one place that runs a statement and hands back typed rows.
 *
 * TypeORM's PostgreSQL driver answers `query()` in two shapes: the rows for SELECT/INSERT and for a statement
 * wrapped in a CTE, but `[rows, affectedCount]` for an UPDATE or DELETE … RETURNING. `rows()` evens that out
 * once, so callers write the statement they mean (no `WITH x AS (UPDATE … RETURNING 1) SELECT 1 FROM x` to
 * dodge the second shape) and get `T[]` either way. Row types are the caller's claim about its own SQL (the
 * column aliases), checked by the tests that run it.
 */

/** Anything that runs SQL: a DataSource, an EntityManager (inside a transaction), a QueryRunner. */
export interface Queryable {
  // TypeORM declares these with `any`-typed results; the helpers below are where the result gets its type.
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** Normalizes what TypeORM's `query()` resolved to into the returned rows (see the file comment). */
export function resultRows<T>(result: unknown): T[] {
  if (!Array.isArray(result)) return [];
  // Rows are objects (pg never returns a row as an array), so `[array, number]` can only be the UPDATE/DELETE shape.
  if (result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number')
    return result[0] as T[];
  return result as T[];
}

/** Runs `sql` and returns its rows, typed. */
export async function rows<T extends object>(
  db: Queryable,
  sql: string,
  parameters: readonly unknown[] = [],
): Promise<T[]> {
  return resultRows<T>(await db.query(sql, [...parameters]));
}

/** Runs `sql` and returns its first row, or null when it returned none. */
export async function firstRow<T extends object>(
  db: Queryable,
  sql: string,
  parameters: readonly unknown[] = [],
): Promise<T | null> {
  return (await rows<T>(db, sql, parameters))[0] ?? null;
}

/** Runs a statement that `RETURNING`s something and says whether it touched any row. */
export async function touched(
  db: Queryable,
  sql: string,
  parameters: readonly unknown[] = [],
): Promise<boolean> {
  return (await rows<object>(db, sql, parameters)).length > 0;
}
