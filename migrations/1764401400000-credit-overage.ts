import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Overage: past a user's credits, a plan that allows it lets consumes go on, up to a cap per billing period,
 * billed afterwards through Stripe's meters. The overage policy of the user's current period (its window, the
 * plan's cap and price snapshot) and what the period has used sit on the balance row the consume statements lock
 * first, so the cap is exact under any concurrency. Overage is recorded as ledger rows in a bucket `overage`
 * that is not part of the balance (balance_after on those rows: the period's overage so far), and every
 * overage consume writes a meter report (`credit_meter_reports`, the outbox of what is to be reported to
 * Stripe) in the same statement.
 */
export class CreditOverage1764401400000 implements MigrationInterface {
  name = 'CreditOverage1764401400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE credit_balances
        ADD COLUMN overage_policy jsonb,
        ADD COLUMN overage_period_start timestamptz,
        ADD COLUMN overage_period_end timestamptz,
        ADD COLUMN overage_used integer NOT NULL DEFAULT 0,
        ADD COLUMN overage_cap integer,
        ADD CONSTRAINT credit_balances_overage_check CHECK (overage_used >= 0 AND (overage_cap IS NULL OR overage_cap >= 0))`);
    // Caps set in spend controls before the consume enforced them.
    await q.query(`
      INSERT INTO credit_balances (user_id, overage_cap)
      SELECT user_id, overage_cap FROM spend_controls WHERE overage_cap IS NOT NULL
      ON CONFLICT (user_id) DO UPDATE SET overage_cap = EXCLUDED.overage_cap`);
    await q.query(`ALTER TABLE credit_ledger DROP CONSTRAINT credit_ledger_bucket_check`);
    await q.query(`ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_bucket_check
      CHECK (bucket IN ('monthly','purchased','promotional','overage'))`);
    // An overage row moves no grant's credits: the one kind of row that names none.
    await q.query(`ALTER TABLE credit_ledger DROP CONSTRAINT credit_ledger_names_its_grant`);
    await q.query(`ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_names_its_grant
      CHECK (grant_id IS NOT NULL OR amount = 0 OR bucket = 'overage') NOT VALID`);
    await q.query(`
      CREATE TABLE credit_meter_reports (
        id bigserial PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        identifier varchar(300) NOT NULL,
        event_name varchar(100) NOT NULL,
        value integer NOT NULL,
        period_start timestamptz NOT NULL,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        status varchar(16) NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        sent_at timestamptz,
        CONSTRAINT credit_meter_reports_identifier UNIQUE (identifier),
        CONSTRAINT credit_meter_reports_value_check CHECK (value > 0),
        CONSTRAINT credit_meter_reports_status_check CHECK (status IN ('pending','sent','dead'))
      )`);
    await q.query(`CREATE INDEX idx_credit_meter_reports_due ON credit_meter_reports (next_attempt_at)
      WHERE status = 'pending'`);
    await q.query(
      `CREATE INDEX idx_credit_meter_reports_user ON credit_meter_reports (user_id, period_start)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // The ledger is append-only: with overage recorded, the bucket cannot go away (history would not fit).
    const [{ n }]: Array<{ n: number }> = await q.query(
      `SELECT count(*)::int AS n FROM credit_ledger WHERE bucket = 'overage'`,
    );
    if (n > 0) throw new Error(`cannot revert CreditOverage: ${n} overage ledger rows are recorded`);
    await q.query(`DROP TABLE credit_meter_reports`);
    await q.query(`ALTER TABLE credit_ledger DROP CONSTRAINT credit_ledger_names_its_grant`);
    await q.query(`ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_names_its_grant
      CHECK (grant_id IS NOT NULL OR amount = 0) NOT VALID`);
    await q.query(`ALTER TABLE credit_ledger DROP CONSTRAINT credit_ledger_bucket_check`);
    await q.query(`ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_bucket_check
      CHECK (bucket IN ('monthly','purchased','promotional'))`);
    await q.query(`
      ALTER TABLE credit_balances DROP CONSTRAINT credit_balances_overage_check,
        DROP COLUMN overage_policy, DROP COLUMN overage_period_start, DROP COLUMN overage_period_end,
        DROP COLUMN overage_used, DROP COLUMN overage_cap`);
  }
}
