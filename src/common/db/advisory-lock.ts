import type { DataSource } from 'typeorm';
import { firstRow } from './sql';

/** Advisory lock keys: one constant per job that must run once across replicas (bigint range). */
export const ADVISORY_LOCK = {
  migrations: 7_106_551_400_013n,
  defaultCatalogPush: 7_106_551_400_014n,
  retention: 7_106_551_400_015n,
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
  const held = await holdingLock(ds, key, 'pg_advisory_lock', fn);
  if (!held.acquired) throw new Error('pg_advisory_lock returned without the lock'); // cannot happen: it waits
  return held.value;
}

/**
 * As withAdvisoryLock, but never waits: when another session (another replica) holds the lock, `fn` does not
 * run and `{ acquired: false }` comes back. For a periodic job every replica schedules, of which one run is
 * enough. The lock is session-level, not `pg_try_advisory_xact_lock`, so `fn` can commit in many short
 * transactions while it holds it.
 */
export async function tryWithAdvisoryLock<T>(
  ds: DataSource,
  key: bigint,
  embedded: boolean,
  fn: () => Promise<T>,
): Promise<{ acquired: true; value: T } | { acquired: false }> {
  if (embedded) return { acquired: true, value: await fn() };
  return holdingLock(ds, key, 'pg_try_advisory_lock', fn);
}

async function holdingLock<T>(
  ds: DataSource,
  key: bigint,
  take: 'pg_advisory_lock' | 'pg_try_advisory_lock',
  fn: () => Promise<T>,
): Promise<{ acquired: true; value: T } | { acquired: false }> {
  const lock = ds.createQueryRunner();
  await lock.connect();
  let acquired = false;
  try {
    const row = await firstRow<{ ok: boolean | null }>(lock, `SELECT ${take}($1) AS ok`, [key.toString()]);
    // pg_advisory_lock returns void (null): it only returns once the lock is ours.
    acquired = row?.ok !== false;
    if (!acquired) return { acquired: false };
    return { acquired: true, value: await fn() };
  } finally {
    if (acquired) await lock.query('SELECT pg_advisory_unlock($1)', [key.toString()]).catch(() => undefined);
    await lock.release();
  }
}
