import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The credit engine's schema: every credit in a balance belongs to a grant (amount, remaining, bucket,
 * priority, effective and expiry times, voided/expired marks, source, a per-user idempotency key); holds
 * reserve credits for a long job; the ledger names the grant each row moved and gains the `promotional`
 * bucket; its idempotency becomes unique per (user_id, idempotency_key), so every statement stays keyed by
 * user (the distribution column on a distributed PostgreSQL).
 *
 * Existing balances become grants: one per user per non-zero bucket. A monthly balance is the current period's
 * allowance: it expires at its subscription's period end plus the past-due grace (read here from
 * PAST_DUE_GRACE_DAYS, default 7), unless the next renewal expires it first. Nothing moves, so no ledger row is
 * written: Σ remaining of live grants = bucket balance = Σ ledger holds for every user after `up`.
 *
 * A previous release's consume statement (which moves the bucket balance without naming a grant) is refused
 * after `up`: every new ledger row that moves credits must name its grant (a CHECK that older rows are not
 * held to). `down` refuses while promotional credits, a hold or a grant voided or expired mid-life would be
 * lost by it; otherwise it restores the previous schema.
 */
export class CreditGrants1764401000000 implements MigrationInterface {
  name = 'CreditGrants1764401000000';

  async up(q: QueryRunner): Promise<void> {
    // A pack may give credits that expire (the catalog's expires_in_days); none do unless it says so.
    await q.query(`
      ALTER TABLE packages ADD COLUMN expires_in_days integer,
        ADD CONSTRAINT packages_expires_in_days_check CHECK (expires_in_days IS NULL OR expires_in_days > 0)`);
    await q.query(`
      ALTER TABLE credit_balances
        ADD COLUMN promotional integer NOT NULL DEFAULT 0,
        ADD COLUMN held integer NOT NULL DEFAULT 0,
        ADD CONSTRAINT credit_balances_promotional_nonnegative CHECK (promotional >= 0),
        ADD CONSTRAINT credit_balances_held_nonnegative CHECK (held >= 0)`);
    await q.query(`
      CREATE TABLE credit_grants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        bucket varchar(16) NOT NULL,
        amount integer NOT NULL,
        remaining integer NOT NULL,
        priority integer NOT NULL DEFAULT 50,
        effective_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        expired_at timestamptz,
        voided_at timestamptz,
        void_reason text,
        expiring_notified_at timestamptz,
        source varchar(16) NOT NULL,
        source_id varchar(255),
        reason text,
        idempotency_key varchar(300) NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT credit_grants_idempotency_key UNIQUE (user_id, idempotency_key),
        CONSTRAINT credit_grants_bucket_check CHECK (bucket IN ('monthly','purchased','promotional')),
        CONSTRAINT credit_grants_source_check CHECK (source IN ('purchase','period','admin','api','migration')),
        CONSTRAINT credit_grants_amount_check CHECK (amount > 0),
        CONSTRAINT credit_grants_remaining_check CHECK (remaining >= 0 AND remaining <= amount),
        CONSTRAINT credit_grants_priority_check CHECK (priority BETWEEN 0 AND 100)
      )`);
    // The consumption order's index, over live grants only (the set every consume reads).
    await q.query(`
      CREATE INDEX idx_credit_grants_live ON credit_grants (user_id, priority, expires_at, created_at)
       WHERE remaining > 0 AND voided_at IS NULL AND expired_at IS NULL`);
    // The expiry job's batches: grants with a time to expire that have not been expired yet.
    await q.query(`
      CREATE INDEX idx_credit_grants_due ON credit_grants (expires_at)
       WHERE expires_at IS NOT NULL AND expired_at IS NULL AND voided_at IS NULL`);
    await q.query(`CREATE INDEX idx_credit_grants_user ON credit_grants (user_id, created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE credit_holds (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        amount integer NOT NULL,
        captured integer,
        status varchar(16) NOT NULL DEFAULT 'open',
        reason varchar(255) NOT NULL,
        idempotency_key varchar(300) NOT NULL,
        request_hash char(64) NOT NULL,
        expires_at timestamptz NOT NULL,
        settled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT credit_holds_idempotency_key UNIQUE (user_id, idempotency_key),
        CONSTRAINT credit_holds_amount_check CHECK (amount > 0),
        CONSTRAINT credit_holds_captured_check CHECK (captured IS NULL OR (captured >= 0 AND captured <= amount)),
        CONSTRAINT credit_holds_status_check CHECK (status IN ('open','captured','released','expired'))
      )`);
    await q.query(`CREATE INDEX idx_credit_holds_due ON credit_holds (expires_at) WHERE status = 'open'`);

    await q.query(`ALTER TABLE credit_ledger ADD COLUMN grant_id uuid`);
    await q.query(`ALTER TABLE credit_ledger DROP CONSTRAINT credit_ledger_idempotency_key`);
    await q.query(
      `ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_idempotency_key UNIQUE (user_id, idempotency_key)`,
    );
    await q.query(`ALTER TABLE credit_ledger DROP CONSTRAINT credit_ledger_bucket_check`);
    await q.query(`ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_bucket_check
      CHECK (bucket IN ('monthly','purchased','promotional'))`);
    await q.query(`ALTER TABLE credit_ledger DROP CONSTRAINT credit_ledger_reason_check`);
    await q.query(`ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_reason_check CHECK (reason IN (
      'subscription_grant','period_reset','period_expiry','purchase','consume','refund_clawback','dispute_clawback',
      'dispute_reversal','subscription_ended','admin_adjustment','consume_refund','grant','grant_void',
      'grant_expiry','hold','hold_return'))`);
    // Rows written from now on that move credits name the grant they moved (NOT VALID: history is not).
    await q.query(`ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_names_its_grant
      CHECK (grant_id IS NOT NULL OR amount = 0) NOT VALID`);

    const graceDays = Math.max(0, Math.min(60, Number(process.env.PAST_DUE_GRACE_DAYS ?? 7) || 0));
    // The current period's allowance, expiring at its subscription's period end plus the grace.
    await q.query(
      `INSERT INTO credit_grants (user_id, bucket, amount, remaining, expires_at, source, source_id, reason,
                                  idempotency_key, created_at, effective_at)
       SELECT b.user_id, 'monthly', b.monthly, b.monthly,
              s.current_period_end + make_interval(days => $1::int),
              CASE WHEN s.id IS NULL THEN 'migration' ELSE 'period' END, s.id, 'balance before grants',
              'migration:monthly', b.updated_at, b.updated_at
         FROM credit_balances b
         LEFT JOIN LATERAL (
           SELECT sub.id, sub.current_period_end FROM credit_periods p JOIN subscriptions sub ON sub.id = p.subscription_id
            WHERE p.user_id = b.user_id ORDER BY p.period_start DESC LIMIT 1) s ON true
        WHERE b.monthly > 0`,
      [graceDays],
    );
    await q.query(`
      INSERT INTO credit_grants (user_id, bucket, amount, remaining, source, reason, idempotency_key, created_at,
                                 effective_at)
      SELECT user_id, 'purchased', purchased, purchased, 'migration', 'balance before grants',
             'migration:purchased', updated_at, updated_at
        FROM credit_balances WHERE purchased > 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    const [blocked]: Array<{ n: number }> = await q.query(`
      SELECT ((SELECT count(*) FROM credit_ledger WHERE bucket = 'promotional')
            + (SELECT count(*) FROM credit_holds WHERE status = 'open')
            + (SELECT count(*) FROM credit_ledger WHERE reason IN ('grant_void','grant_expiry','hold','hold_return')))::int AS n`);
    if (blocked.n > 0)
      throw new Error(
        'cannot revert the credit engine: promotional credits, holds, voids or grant expiries are in the ledger, ' +
          'and the previous schema has no place for them (restore a backup taken before the upgrade instead)',
      );
    await q.query(`ALTER TABLE credit_ledger DROP CONSTRAINT credit_ledger_names_its_grant`);
    await q.query(`ALTER TABLE credit_ledger DROP CONSTRAINT credit_ledger_reason_check`);
    await q.query(`ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_reason_check CHECK (reason IN (
      'subscription_grant','period_reset','period_expiry','purchase','consume','refund_clawback','dispute_clawback',
      'dispute_reversal','subscription_ended','admin_adjustment','consume_refund'))`);
    await q.query(`ALTER TABLE credit_ledger DROP CONSTRAINT credit_ledger_bucket_check`);
    await q.query(
      `ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_bucket_check CHECK (bucket IN ('monthly','purchased'))`,
    );
    await q.query(`ALTER TABLE credit_ledger DROP CONSTRAINT credit_ledger_idempotency_key`);
    await q.query(`ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_idempotency_key UNIQUE (idempotency_key)`);
    await q.query(`ALTER TABLE credit_ledger DROP COLUMN grant_id`);
    await q.query(`DROP TABLE credit_holds`);
    await q.query(`DROP TABLE credit_grants`);
    await q.query(`ALTER TABLE credit_balances DROP COLUMN held, DROP COLUMN promotional`);
    await q.query(`ALTER TABLE packages DROP COLUMN expires_in_days`);
  }
}
