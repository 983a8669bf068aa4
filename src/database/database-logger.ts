import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

const QUERY_MAX = 500;

/**
 * TypeORM's log lines through the app's logger (pino: LOG_LEVEL, redaction, JSON lines) instead of its default
 * console.log: a failed query is one `warn` line with the statement (shortened) and the error, never its bound
 * parameters (password hashes, webhook payloads). Expected failures (a constraint keeping an invariant, a
 * connection cut in an outage test) no longer print multi-line dumps into the test output; the error still
 * reaches its caller, which answers for it.
 */
export class DatabaseLogger implements TypeOrmLogger {
  private readonly logger = new Logger('Database');

  logQuery(): void {}

  logQueryError(error: string | Error, query: string): void {
    const message = typeof error === 'string' ? error : error.message;
    this.logger.warn({ query: query.slice(0, QUERY_MAX), error: message }, 'query failed');
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ query: query.slice(0, QUERY_MAX), ms: time }, 'slow query');
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(message);
    else this.logger.debug(message);
  }
}
