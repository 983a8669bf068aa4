import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/database.config';
import { ENTITIES } from './entities';
import { MIGRATIONS } from '../../migrations';
import { DatabaseLogger } from './database-logger';
import type { EmbeddedPostgres } from '../common/db/embedded-postgres';

export interface ResolvedDatabase {
  options: DataSourceOptions;
  embedded?: EmbeddedPostgres;
  /** For the banner: never contains a password. */
  description: string;
  /** `host:port` of a real PostgreSQL (undefined when embedded), for startup error lines. */
  target?: string;
}

/**
 * The ONE TypeORM options builder, used by the app (DatabaseModule) and the migration CLI alike.
 * DATABASE_URL set → PostgreSQL through `pg`; unset → embedded PGlite with a single-connection pool.
 */
export async function buildDataSourceOptions(config: DatabaseConfig): Promise<ResolvedDatabase> {
  // Loaded only when used: a process on a real PostgreSQL never loads PGlite.
  const embedded = config.embedded
    ? await (await import('../common/db/embedded-postgres')).EmbeddedPostgres.start(config.embeddedDataDir)
    : undefined;
  const url = embedded?.url ?? config.url!;
  const options: DataSourceOptions = {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: ['error'],
    logger: new DatabaseLogger(),
    extra: {
      // One connection for PGlite: transactions are serialized, never interleaved.
      max: embedded ? 1 : config.poolSize,
      // PGlite's single connection is shared by every request: waiting for it is queueing, not an outage.
      // pg has one timeout for both: a pooled connection is handed out, or a new one connects, within the shorter.
      connectionTimeoutMillis: embedded
        ? 30_000
        : Math.min(config.poolAcquireTimeoutMs, config.connectTimeoutMs),
      statement_timeout: config.statementTimeoutMs,
      query_timeout: embedded ? undefined : config.queryTimeoutMs,
      application_name: 'tollgate',
    },
  };
  return {
    options,
    embedded,
    description: describe(url, embedded),
    target: embedded ? undefined : hostPort(url),
  };
}

/** `host:port` of a PostgreSQL URL, for error lines (never the credentials). */
export function hostPort(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}`;
}

function describe(url: string, embedded?: EmbeddedPostgres): string {
  if (embedded) {
    return embedded.dataDir.startsWith('memory://')
      ? 'embedded PostgreSQL (PGlite, in memory)'
      : `embedded PostgreSQL (PGlite, ${embedded.dataDir})`;
  }
  return `PostgreSQL ${hostPort(url)}${new URL(url).pathname}`;
}
