import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log: one append-only row per write an operator (an admin) or a server (an API key) made — who, when,
 * what (method and route), on what (the route's parameters), why (the request's `reason`) and the request id.
 * Like the ledger, UPDATE, DELETE and TRUNCATE are refused by triggers; retention never prunes it.
 */
export class AuditLog1764400950000 implements MigrationInterface {
  name = 'AuditLog1764400950000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        actor_type varchar(16) NOT NULL CHECK (actor_type IN ('user', 'api_key')),
        actor_id varchar(64) NOT NULL,
        actor_label varchar(320),
        action varchar(160) NOT NULL,
        target jsonb NOT NULL DEFAULT '{}',
        reason text,
        request_id varchar(64),
        status integer NOT NULL
      )`);
    await q.query(`CREATE INDEX idx_audit_log_actor ON audit_log (actor_type, actor_id, id)`);
    await q.query(`
      CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await q.query(`
      CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP FUNCTION audit_log_append_only()`);
  }
}
