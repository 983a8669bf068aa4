import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, DataSourceOptions } from 'typeorm';
import { databaseConfig, DatabaseConfig } from '../config/database.config';
import { DatabaseNotMigratedError, pendingMigrations, runMigrationsLocked } from '../common/db/migrations';
import { buildDataSourceOptions, ResolvedDatabase } from './typeorm-options';

export const RESOLVED_DATABASE = Symbol('RESOLVED_DATABASE');
const RESOLVED_KEY = Symbol.for('tollgate.resolvedDatabase');
const MIGRATE_KEY = Symbol.for('tollgate.migrateOnStart');

/**
 * Connects once (no retry loop: a wrong DATABASE_URL fails within DB_CONNECT_TIMEOUT_MS, and main.ts turns the
 * error into one line), then migrates under an advisory lock, or refuses a database with pending migrations.
 */
async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  const flags = options as unknown as Record<symbol, unknown>;
  const resolved = flags[RESOLVED_KEY] as ResolvedDatabase;
  const ds = new DataSource(options);
  try {
    await ds.initialize();
    if (flags[MIGRATE_KEY]) {
      await runMigrationsLocked(ds, resolved.embedded !== undefined);
    } else {
      const pending = await pendingMigrations(ds);
      if (pending.length > 0) throw new DatabaseNotMigratedError(pending);
    }
    return ds;
  } catch (err) {
    if (ds.isInitialized) await ds.destroy().catch(() => undefined);
    await resolved.embedded?.stop().catch(() => undefined);
    throw err;
  }
}

/** Stops the embedded server after TypeORM has closed its pool. */
@Injectable()
class EmbeddedDatabaseLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  constructor(
    @Inject(RESOLVED_DATABASE) private readonly resolved: ResolvedDatabase,
    private readonly dataSource: DataSource,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    if (this.resolved.embedded) {
      await this.resolved.embedded.stop();
      this.logger.log('embedded PostgreSQL stopped');
    }
  }
}

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: async (config: DatabaseConfig) => {
        const resolved = await buildDataSourceOptions(config);
        // Carried on the options (a symbol key survives TypeORM's copies) so each app instance in one
        // process keeps its own embedded server.
        return {
          ...resolved.options,
          migrationsRun: false,
          toRetry: () => false,
          [RESOLVED_KEY]: resolved,
          [MIGRATE_KEY]: config.migrateOnStart,
        };
      },
      dataSourceFactory: (options) => openDataSource(options!),
    }),
  ],
  providers: [
    {
      provide: RESOLVED_DATABASE,
      inject: [DataSource],
      useFactory: (dataSource: DataSource): ResolvedDatabase =>
        (dataSource.options as unknown as Record<symbol, ResolvedDatabase>)[RESOLVED_KEY],
    },
    EmbeddedDatabaseLifecycle,
  ],
  exports: [RESOLVED_DATABASE],
})
export class DatabaseModule {}
