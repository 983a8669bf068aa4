import type { DataSource } from 'typeorm';

/** Advisory lock keys: one constant per job that must run once across replicas (bigint range). */
export const ADVISORY_LOCK = {
  migrations: 7_106_551_400_013n,
  defaultCatalogPush: 7_106_551_400_014n,
} as const;

/**
 * Runs `fn` while holding a session-level PostgreSQL advisory lock on its own connection, so replicas doing the
 * same thing at the same moment take turns. `fn` runs its queries on other pool connections. On the embedded
 * database (one process, one connection) it simply runs `fn`: holding the only connection would starve it.
 */
export async function withAdvisoryLock<T>(
  ds: DataSource,
  key: bigint,
  embedded: boolean,
  fn: () => Promise<T>,
): Promise<T> {
  if (embedded) return fn();
  const lock = ds.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [key.toString()]);
    return await fn();
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [key.toString()]).catch(() => undefined);
    await lock.release();
  }
}
