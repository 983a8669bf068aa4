import { ConfigType, registerAs } from '@nestjs/config';
import { bool, ConfigError, int, isProduction, isTest, str, url } from './env';

export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env) {
  const databaseUrl = url(env, 'DATABASE_URL', undefined, ['postgres:', 'postgresql:']);
  if (databaseUrl === undefined && isProduction(env)) {
    // The embedded database is one file inside the container: payment data would vanish with it.
    throw new ConfigError(
      'DATABASE_URL',
      'is required in production (the embedded database is for development)',
    );
  }
  return {
    /** Set → real PostgreSQL through `pg`. Unset → embedded PostgreSQL (PGlite). */
    url: databaseUrl,
    embedded: databaseUrl === undefined,
    /** Embedded data directory; `memory://` keeps nothing (the default under tests). */
    embeddedDataDir: str(env, 'PGLITE_DATA_DIR', isTest(env) ? 'memory://' : '.data/pglite')!,
    /** Migrations run at startup in embedded mode; opt-in for a real database (DB_MIGRATE_ON_START). */
    migrateOnStart: bool(env, 'DB_MIGRATE_ON_START', databaseUrl === undefined),
    poolSize: int(env, 'DB_POOL_SIZE', 10, 1, 1000),
    /** Group commit: at most this many consumes (or holds) in one statement; 1 runs each on its own. */
    creditsBatchMax: int(env, 'CREDITS_BATCH_MAX', 256, 1, 1000),
    /** Group commit: statements of each kind (consume, hold, settle) in flight at once; the rest wait for them. */
    creditsBatchStatements: int(env, 'CREDITS_BATCH_STATEMENTS', 1, 1, 1000),
    /** Server side: PostgreSQL cancels a statement running longer (57014 → 503). */
    statementTimeoutMs: int(env, 'DB_STATEMENT_TIMEOUT_MS', 15_000, 100, 3_600_000),
    /** Client side: a request waits at most this long for a pooled connection (or a new one to connect). */
    poolAcquireTimeoutMs: int(env, 'DB_POOL_ACQUIRE_TIMEOUT_MS', 5000, 100, 600_000),
    /** Client side: a query whose answer never comes (a hung server or network) fails after this. */
    queryTimeoutMs: int(env, 'DB_QUERY_TIMEOUT_MS', 20_000, 100, 3_600_000),
    /** How long one connection attempt may take before startup fails naming host:port. */
    connectTimeoutMs: int(env, 'DB_CONNECT_TIMEOUT_MS', 5000, 100, 120_000),
  };
}

export const databaseConfig = registerAs('database', () => loadDatabaseConfig());
export type DatabaseConfig = ConfigType<typeof databaseConfig>;
