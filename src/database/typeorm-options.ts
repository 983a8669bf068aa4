import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config/database.config';
import { ENTITIES } from './entities';
import { MIGRATIONS } from '../../migrations';
import { EmbeddedPostgres } from './embedded-postgres';

export interface ResolvedDatabase {
  options: DataSourceOptions;
  embedded?: EmbeddedPostgres;
  /** For the banner: never contains a password. */
  description: string;
}

/**
 * The ONE TypeORM options builder, used by the app (DatabaseModule) and the migration CLI alike.
 * DATABASE_URL set → PostgreSQL through `pg`; unset → embedded PGlite with a single-connection pool.
 */
export async function buildDataSourceOptions(config: DatabaseConfig): Promise<ResolvedDatabase> {
  const embedded = config.embedded ? await EmbeddedPostgres.start(config.embeddedDataDir) : undefined;
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
    extra: {
      // One connection for PGlite: transactions are serialized, never interleaved.
      max: embedded ? 1 : config.poolSize,
      // PGlite's single connection is shared by every request: waiting for it is queueing, not an outage.
      connectionTimeoutMillis: embedded ? 30_000 : config.poolAcquireTimeoutMs,
      statement_timeout: config.statementTimeoutMs,
      query_timeout: embedded ? undefined : config.queryTimeoutMs,
      application_name: 'tollgate',
    },
  };
  return { options, embedded, description: describe(url, embedded) };
}

function describe(url: string, embedded?: EmbeddedPostgres): string {
  if (embedded) {
    return embedded.dataDir.startsWith('memory://')
      ? 'embedded PostgreSQL (PGlite, in memory)'
      : `embedded PostgreSQL (PGlite, ${embedded.dataDir})`;
  }
  const u = new URL(url);
  return `PostgreSQL ${u.hostname}:${u.port || 5432}${u.pathname}`;
}
