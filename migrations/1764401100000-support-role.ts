import { MigrationInterface, QueryRunner } from 'typeorm';

/** The `support` role: the operator console's read-and-help role (see docs/http-api.md, "Roles"). */
export class SupportRole1764401100000 implements MigrationInterface {
  name = 'SupportRole1764401100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_role_check`);
    await q.query(
      `ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('user', 'admin', 'support'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // A support user becomes a plain user: the older schema has no such role, and no one gains admin by a revert.
    await q.query(`UPDATE users SET role = 'user' WHERE role = 'support'`);
    await q.query(`ALTER TABLE users DROP CONSTRAINT users_role_check`);
    await q.query(`ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('user', 'admin'))`);
  }
}
