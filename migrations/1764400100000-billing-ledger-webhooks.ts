import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Subscriptions (one row per Stripe subscription, at most one live per user), checkout sessions, the credit
 * ledger with per-user balances that can never go negative, credit purchases (for refunds/disputes),
 * idempotent consume requests, and the webhook inbox.
 */
export class BillingLedgerWebhooks1764400100000 implements MigrationInterface {
  name = 'BillingLedgerWebhooks1764400100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE subscriptions (
        id varchar(255) PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        customer_id varchar(255) NOT NULL,
        status varchar(32) NOT NULL,
        plan_id integer REFERENCES plans(id) ON DELETE SET NULL,
        price_id varchar(255),
        currency char(3),
        current_period_start timestamptz,
        current_period_end timestamptz,
        trial_start timestamptz,
        trial_end timestamptz,
        cancel_at_period_end boolean NOT NULL DEFAULT false,
        cancel_at timestamptz,
        canceled_at timestamptz,
        ended_at timestamptz,
        past_due_since timestamptz,
        credits_period_start timestamptz,
        stripe_version bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT subscriptions_status_check CHECK (status IN
          ('incomplete','incomplete_expired','trialing','active','past_due','canceled','unpaid','paused'))
      )`);
    // The spec's idx_users_subscription_id lives here now: subscriptions are their own table.
    await q.query(`CREATE INDEX idx_subscriptions_user_id ON subscriptions (user_id)`);
    await q.query(`CREATE INDEX idx_subscriptions_customer_id ON subscriptions (customer_id)`);
    await q.query(`
      CREATE UNIQUE INDEX subscriptions_one_live_per_user ON subscriptions (user_id)
      WHERE status IN ('trialing','active','past_due','unpaid','paused')`);

    await q.query(`
      CREATE TABLE checkout_sessions (
        id varchar(255) PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        mode varchar(16) NOT NULL,
        price_id varchar(255) NOT NULL,
        currency char(3) NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'open',
        fulfilled_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT checkout_sessions_mode_check CHECK (mode IN ('subscription','payment'))
      )`);
    await q.query(`CREATE INDEX idx_checkout_sessions_user ON checkout_sessions (user_id, created_at DESC)`);

    await q.query(`
      CREATE TABLE credit_balances (
        user_id uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        monthly integer NOT NULL DEFAULT 0,
        purchased integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT credit_balances_monthly_nonnegative CHECK (monthly >= 0),
        CONSTRAINT credit_balances_purchased_nonnegative CHECK (purchased >= 0)
      )`);

    await q.query(`
      CREATE TABLE credit_ledger (
        id bigserial PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        bucket varchar(16) NOT NULL,
        amount integer NOT NULL,
        balance_after integer NOT NULL,
        reason varchar(32) NOT NULL,
        source_type varchar(32),
        source_id varchar(255),
        idempotency_key varchar(300) NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT credit_ledger_idempotency_key UNIQUE (idempotency_key),
        CONSTRAINT credit_ledger_bucket_check CHECK (bucket IN ('monthly','purchased')),
        CONSTRAINT credit_ledger_balance_after_check CHECK (balance_after >= 0),
        CONSTRAINT credit_ledger_reason_check CHECK (reason IN ('subscription_grant','period_reset','period_expiry',
          'purchase','consume','refund_clawback','dispute_clawback','dispute_reversal','subscription_ended',
          'admin_adjustment','consume_refund'))
      )`);
    await q.query(`CREATE INDEX idx_credit_ledger_user ON credit_ledger (user_id, id DESC)`);
    await q.query(`CREATE INDEX idx_credit_ledger_source ON credit_ledger (source_type, source_id)`);

    await q.query(`
      CREATE TABLE credit_purchases (
        checkout_session_id varchar(255) PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        package_id integer REFERENCES packages(id) ON DELETE SET NULL,
        payment_intent_id varchar(255),
        credits integer NOT NULL,
        amount_total bigint NOT NULL,
        currency char(3) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT credit_purchases_credits_check CHECK (credits > 0)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX idx_credit_purchases_payment_intent ON credit_purchases (payment_intent_id)`,
    );

    await q.query(`
      CREATE TABLE consume_requests (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        idempotency_key varchar(255) NOT NULL,
        request_hash varchar(64) NOT NULL,
        response jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, idempotency_key)
      )`);

    await q.query(`
      CREATE TABLE webhook_events (
        id varchar(255) PRIMARY KEY,
        type varchar(128) NOT NULL,
        api_version varchar(64),
        created timestamptz NOT NULL,
        livemode boolean NOT NULL DEFAULT false,
        payload jsonb NOT NULL,
        status varchar(16) NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        claim_token uuid,
        received_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz,
        CONSTRAINT webhook_events_status_check CHECK (status IN ('pending','processing','processed','failed','dead','ignored'))
      )`);
    await q.query(`
      CREATE INDEX idx_webhook_events_due ON webhook_events (next_attempt_at)
      WHERE status IN ('pending','failed','processing')`);
    await q.query(`CREATE INDEX idx_webhook_events_status ON webhook_events (status, received_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_events`);
    await q.query(`DROP TABLE consume_requests`);
    await q.query(`DROP TABLE credit_purchases`);
    await q.query(`DROP TABLE credit_ledger`);
    await q.query(`DROP TABLE credit_balances`);
    await q.query(`DROP TABLE checkout_sessions`);
    await q.query(`DROP TABLE subscriptions`);
  }
}
