import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Credits remembers the last subscription period it granted in its own table (`credit_periods`) instead of
 * writing `subscriptions.credits_period_start`, a Payments column. Existing values move over; down moves them
 * back. No foreign key to subscriptions: Credits does not depend on Payments' table (a grant comes after the
 * subscription row is stored, in the same transaction).
 */
export class CreditPeriods1764400300000 implements MigrationInterface {
  name = 'CreditPeriods1764400300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE credit_periods (
        subscription_id varchar(255) PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        period_start timestamptz NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX idx_credit_periods_user ON credit_periods (user_id)`);
    await q.query(`
      INSERT INTO credit_periods (subscription_id, user_id, period_start, updated_at)
      SELECT id, user_id, credits_period_start, updated_at FROM subscriptions
       WHERE credits_period_start IS NOT NULL`);
    await q.query(`ALTER TABLE subscriptions DROP COLUMN credits_period_start`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscriptions ADD COLUMN credits_period_start timestamptz`);
    await q.query(`
      UPDATE subscriptions s SET credits_period_start = p.period_start
        FROM credit_periods p WHERE p.subscription_id = s.id`);
    await q.query(`DROP TABLE credit_periods`);
  }
}
