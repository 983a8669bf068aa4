import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention deletes consume_requests oldest first in bounded batches (RETENTION_BATCH_SIZE): without an index on
 * created_at every batch would scan the whole table. webhook_events (status, received_at) and outbound_events
 * (created_at) already have the indexes their retention needs.
 *
 * Not CONCURRENTLY: that waits for every open transaction in the database, including replicas waiting on the
 * migration advisory lock this migration runs under, which wait for it in turn. A plain build blocks writes to
 * consume_requests while it runs (seconds for millions of rows); to avoid even that, build it beforehand with
 * `CREATE INDEX CONCURRENTLY idx_consume_requests_created_at ON consume_requests (created_at)` and this finds it.
 */
export class RetentionIndexes1764400650000 implements MigrationInterface {
  name = 'RetentionIndexes1764400650000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX IF NOT EXISTS idx_consume_requests_created_at ON consume_requests (created_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_consume_requests_created_at`);
  }
}
