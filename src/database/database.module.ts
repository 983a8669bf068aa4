import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { databaseConfig, DatabaseConfig } from '../config/database.config';
import { buildDataSourceOptions, ResolvedDatabase } from './typeorm-options';

export const RESOLVED_DATABASE = Symbol('RESOLVED_DATABASE');
const RESOLVED_KEY = Symbol.for('tollgate.resolvedDatabase');

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
        return { ...resolved.options, migrationsRun: config.migrateOnStart, [RESOLVED_KEY]: resolved };
      },
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
