import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-user spend controls (one row per user that has any): low-balance thresholds (NULL: the global
 * OUTBOUND_CREDITS_LOW_THRESHOLD; '{}': no low-balance alerts), usage limits per UTC hour/day/month and the
 * overage cap per billing period. The limits are stored here; the consume statement enforces them.
 */
export class SpendControls1764401200000 implements MigrationInterface {
  name = 'SpendControls1764401200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE spend_controls (
        user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        low_balance_thresholds integer[],
        usage_limits jsonb NOT NULL DEFAULT '[]',
        overage_cap integer,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT spend_controls_overage_cap_check CHECK (overage_cap IS NULL OR overage_cap >= 0),
        CONSTRAINT spend_controls_usage_limits_check CHECK (jsonb_typeof(usage_limits) = 'array')
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE spend_controls`);
  }
}
