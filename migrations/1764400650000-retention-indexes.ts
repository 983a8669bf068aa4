import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention deletes consume_requests oldest first in bounded batches (RETENTION_BATCH_SIZE): without an index on
 * created_at every batch would scan the whole table. Built CONCURRENTLY (outside a transaction), so a large
 * table keeps taking consumes while it builds (should a build be interrupted, `DROP INDEX
 * idx_consume_requests_created_at` and run the migration again). webhook_events (status, received_at) and outbound_events
 * (created_at) already have the indexes their retention needs.
 */
export class RetentionIndexes1764400650000 implements MigrationInterface {
  name = 'RetentionIndexes1764400650000';
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX CONCURRENTLY idx_consume_requests_created_at ON consume_requests (created_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // Plain DROP: quick, and it must also work where the revert runs inside a transaction.
    await q.query(`DROP INDEX idx_consume_requests_created_at`);
  }
}
