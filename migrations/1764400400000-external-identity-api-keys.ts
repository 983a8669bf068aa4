import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bring-your-own users: a user may be known by the host's identity provider, as (external_issuer,
 * external_id), with no password and perhaps no email; local accounts keep a unique email and a password.
 * API keys for the host's backend: only the SHA-256 of the secret is stored.
 */
export class ExternalIdentityApiKeys1764400400000 implements MigrationInterface {
  name = 'ExternalIdentityApiKeys1764400400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ALTER COLUMN email DROP NOT NULL`);
    await q.query(`ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL`);
    await q.query(`ALTER TABLE users ADD COLUMN external_issuer varchar(512)`);
    await q.query(`ALTER TABLE users ADD COLUMN external_id varchar(255)`);
    await q.query(`ALTER TABLE users ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}'`);
    await q.query(
      `ALTER TABLE users ADD CONSTRAINT users_identity_check CHECK (` +
        `(external_id IS NULL AND external_issuer IS NULL AND email IS NOT NULL AND password_hash IS NOT NULL) ` +
        `OR (external_id IS NOT NULL AND external_issuer IS NOT NULL))`,
    );
    await q.query(`CREATE UNIQUE INDEX users_external_identity_key ON users (external_issuer, external_id)`);
    // Emails stay unique among local accounts; the host's users may share one (two IdPs, or none verified).
    await q.query(`DROP INDEX users_email_key`);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON users (email) WHERE external_id IS NULL`);
    await q.query(`CREATE INDEX idx_users_external_id ON users (external_id)`);

    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(100) NOT NULL,
        prefix varchar(16) NOT NULL,
        key_hash char(64) NOT NULL,
        scopes text[] NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT api_keys_created_by_fkey FOREIGN KEY (created_by) REFERENCES users(id) ON DELETE SET NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX api_keys_key_hash_key ON api_keys (key_hash)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE api_keys`);
    await q.query(`DELETE FROM users WHERE external_id IS NOT NULL`);
    await q.query(`DROP INDEX idx_users_external_id`);
    await q.query(`DROP INDEX users_email_key`);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON users (email)`);
    await q.query(`DROP INDEX users_external_identity_key`);
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_identity_check`);
    await q.query(`ALTER TABLE users DROP COLUMN metadata`);
    await q.query(`ALTER TABLE users DROP COLUMN external_id`);
    await q.query(`ALTER TABLE users DROP COLUMN external_issuer`);
    await q.query(`ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL`);
    await q.query(`ALTER TABLE users ALTER COLUMN email SET NOT NULL`);
  }
}
