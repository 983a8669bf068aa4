import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Usage limits (spend controls' `usage_limits`: at most N credits per UTC calendar hour, day or month) are
 * enforced inside the consume and hold statements. The limits the credits module enforces, and what a user spent
 * in the current hour, day and month, are kept on their balance row — the row those statements lock first — so
 * the check and the count are exact under any concurrency, across replicas, with no read-then-write and no
 * second row to read or create. Spend controls hands its limits to the credits module when they change.
 */
export class UsageWindows1764401300000 implements MigrationInterface {
  name = 'UsageWindows1764401300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE credit_balances
        ADD COLUMN usage_hour_start timestamptz,
        ADD COLUMN usage_hour_used integer NOT NULL DEFAULT 0,
        ADD COLUMN usage_day_start timestamptz,
        ADD COLUMN usage_day_used integer NOT NULL DEFAULT 0,
        ADD COLUMN usage_month_start timestamptz,
        ADD COLUMN usage_month_used integer NOT NULL DEFAULT 0,
        ADD COLUMN usage_limits jsonb NOT NULL DEFAULT '[]',
        ADD CONSTRAINT credit_balances_usage_nonnegative
          CHECK (usage_hour_used >= 0 AND usage_day_used >= 0 AND usage_month_used >= 0)`);
    await q.query(`
      INSERT INTO credit_balances (user_id, usage_limits)
      SELECT user_id, usage_limits FROM spend_controls WHERE usage_limits <> '[]'::jsonb
      ON CONFLICT (user_id) DO UPDATE SET usage_limits = EXCLUDED.usage_limits`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE credit_balances DROP CONSTRAINT credit_balances_usage_nonnegative,
        DROP COLUMN usage_hour_start, DROP COLUMN usage_hour_used, DROP COLUMN usage_day_start,
        DROP COLUMN usage_day_used, DROP COLUMN usage_month_start, DROP COLUMN usage_month_used,
        DROP COLUMN usage_limits`);
  }
}
