import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-user spend controls (one row per user that has any): low-balance thresholds (NULL: the global
 * OUTBOUND_CREDITS_LOW_THRESHOLD; '{}': no low-balance alerts), usage limits per UTC hour/day/month and the
 * overage cap per billing period. The limits are stored here; the consume statement enforces them.
 *
 * Auto top-up: `auto_top_ups` (one per user: the threshold, the pack's price, the monthly cap, the failures in a
 * row, and `crossings`, the per-user count of downward crossings that names each one), and
 * `auto_top_up_attempts`, one row per crossing (unique `crossing_key`, decided in the posting's transaction under
 * the balance lock), a leased job the worker turns into one off-session PaymentIntent (the crossing key is its
 * Stripe idempotency key; its id is unique here).
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
    await q.query(`
      CREATE TABLE auto_top_ups (
        user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        enabled boolean NOT NULL,
        threshold integer NOT NULL CHECK (threshold >= 0),
        price_id varchar(255) NOT NULL,
        max_per_month integer NOT NULL CHECK (max_per_month >= 1),
        failures integer NOT NULL DEFAULT 0,
        disabled_reason varchar(64),
        crossings bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE auto_top_up_attempts (
        id bigserial PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        crossing_key varchar(128) NOT NULL,
        price_id varchar(255) NOT NULL,
        status varchar(24) NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'processing', 'failed', 'succeeded', 'requires_action', 'skipped')),
        failure_reason varchar(64),
        payment_intent_id varchar(255),
        balance_before integer NOT NULL,
        balance_after integer NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        claim_token uuid,
        locked_until timestamptz,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT auto_top_up_attempts_crossing_key UNIQUE (crossing_key)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX auto_top_up_attempts_payment_intent ON auto_top_up_attempts (payment_intent_id)
        WHERE payment_intent_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX auto_top_up_attempts_due ON auto_top_up_attempts (next_attempt_at)
      WHERE status IN ('pending', 'processing')`);
    await q.query(`CREATE INDEX auto_top_up_attempts_user_month ON auto_top_up_attempts (user_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE auto_top_up_attempts`);
    await q.query(`DROP TABLE auto_top_ups`);
    await q.query(`DROP TABLE spend_controls`);
  }
}
