import type { DataSource } from 'typeorm';
import { ADVISORY_LOCK, withAdvisoryLock } from './advisory-lock';
import { firstRow, rows } from './sql';

/** Startup found migrations the database has not run (and was not asked to run them). */
export class DatabaseNotMigratedError extends Error {
  constructor(readonly pending: string[]) {
    super(
      `the database is not migrated (${pending.length} pending: ${pending.join(', ')}): run npm run migration:run`,
    );
    this.name = 'DatabaseNotMigratedError';
  }
}

/**
 * Runs the pending migrations. On a real PostgreSQL under a session advisory lock, so replicas booting together
 * (or a migrate Job racing an app with DB_MIGRATE_ON_START) run each migration exactly once. The embedded
 * database has one connection and one process: no lock is needed (and holding one would starve the pool).
 */
export async function runMigrationsLocked(ds: DataSource, embedded: boolean): Promise<string[]> {
  return withAdvisoryLock(ds, ADVISORY_LOCK.migrations, embedded, async () =>
    (await ds.runMigrations({ transaction: 'each' })).map((m) => m.name),
  );
}

/** Names of the migrations this build knows that the database has not run; read-only (creates nothing). */
export async function pendingMigrations(ds: DataSource): Promise<string[]> {
  const known = ds.migrations.map((m) => m.name ?? m.constructor.name);
  const table = ds.options.migrationsTableName ?? 'migrations';
  const found = await firstRow<{ exists: boolean }>(ds, 'SELECT to_regclass($1) IS NOT NULL AS "exists"', [
    table,
  ]);
  if (!found?.exists) return known;
  const ran = new Set((await rows<{ name: string }>(ds, `SELECT name FROM "${table}"`)).map((r) => r.name));
  return known.filter((name) => !ran.has(name));
}
