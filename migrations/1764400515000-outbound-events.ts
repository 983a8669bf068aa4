import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbound events (a transactional outbox): the host app's webhook endpoints, the events Tollgate tells them
 * about (written in the same transaction as the change they report), one delivery per event × endpoint, and
 * a per-user sequence counter so receivers can order a user's events.
 */
export class OutboundEvents1764400515000 implements MigrationInterface {
  name = 'OutboundEvents1764400515000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        url varchar(2048) NOT NULL,
        description varchar(500) NOT NULL DEFAULT '',
        events text[] NOT NULL,
        secret varchar(128) NOT NULL,
        previous_secret varchar(128),
        previous_secret_expires_at timestamptz,
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason varchar(500),
        consecutive_failures int NOT NULL DEFAULT 0,
        failing_since timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE outbound_events (
        id varchar(64) PRIMARY KEY,
        type varchar(64) NOT NULL,
        user_id uuid,
        external_id varchar(255),
        sequence bigint,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX idx_outbound_events_created_at ON outbound_events (created_at)`);
    await q.query(
      `CREATE UNIQUE INDEX outbound_events_user_sequence_key ON outbound_events (user_id, sequence)`,
    );
    await q.query(`
      CREATE TABLE outbound_user_sequences (
        user_id uuid PRIMARY KEY,
        last_sequence bigint NOT NULL
      )`);
    await q.query(`
      CREATE TABLE outbound_deliveries (
        id bigserial PRIMARY KEY,
        event_id varchar(64) NOT NULL,
        endpoint_id uuid NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending',
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        claim_token uuid,
        last_attempt_at timestamptz,
        last_status_code int,
        last_latency_ms int,
        last_error varchar(500),
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT outbound_deliveries_status_check CHECK (status IN ('pending', 'sending', 'succeeded', 'failed')),
        CONSTRAINT outbound_deliveries_event_fkey FOREIGN KEY (event_id) REFERENCES outbound_events(id) ON DELETE CASCADE,
        CONSTRAINT outbound_deliveries_endpoint_fkey FOREIGN KEY (endpoint_id) REFERENCES webhook_endpoints(id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX idx_outbound_deliveries_due ON outbound_deliveries (next_attempt_at) WHERE status IN ('pending', 'sending')`,
    );
    await q.query(`CREATE INDEX idx_outbound_deliveries_endpoint ON outbound_deliveries (endpoint_id, id)`);
    await q.query(`CREATE INDEX idx_outbound_deliveries_event ON outbound_deliveries (event_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE outbound_deliveries`);
    await q.query(`DROP TABLE outbound_user_sequences`);
    await q.query(`DROP TABLE outbound_events`);
    await q.query(`DROP TABLE webhook_endpoints`);
  }
}
