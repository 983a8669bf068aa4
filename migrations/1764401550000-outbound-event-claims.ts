import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events a user gets once per scope (the overage milestones, once per billing period): the claim row is inserted
 * in the same transaction as the event it admits, keyed (user, type, scope), so a second posting that would raise
 * it again — a concurrent consume, a retry — inserts nothing and emits nothing.
 */
export class OutboundEventClaims1764401550000 implements MigrationInterface {
  name = 'OutboundEventClaims1764401550000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbound_event_claims (
        user_id uuid NOT NULL,
        type varchar(64) NOT NULL,
        scope varchar(100) NOT NULL,
        event_id varchar(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, type, scope)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE outbound_event_claims`);
  }
}
