import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * checkout_leases: one row while a user's checkout is being created, so replicas take turns per user (the
 * "one open plan checkout" rule holds across instances). A lease is a row with an expiry, not a held
 * transaction or lock, so no database connection waits on Stripe; a crashed holder's lease simply expires.
 */
export class CheckoutLeases1764400680000 implements MigrationInterface {
  name = 'CheckoutLeases1764400680000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE checkout_leases (
        user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        token uuid NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE checkout_leases`);
  }
}
