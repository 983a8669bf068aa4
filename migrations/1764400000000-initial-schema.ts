import { MigrationInterface, QueryRunner } from 'typeorm';

/** users, plans, packages — the spec's Database Models, with integer money and the Performance indexes. */
export class InitialSchema1764400000000 implements MigrationInterface {
  name = 'InitialSchema1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email varchar(320) NOT NULL,
        password_hash varchar(255) NOT NULL,
        role varchar(16) NOT NULL DEFAULT 'user',
        customer_id varchar(255),
        trial_used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_role_check CHECK (role IN ('user', 'admin')),
        CONSTRAINT users_email_lowercase CHECK (email = lower(email))
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON users (email)`);
    // The spec's idx_users_customer_id, unique: one Stripe customer belongs to one user.
    await q.query(`CREATE UNIQUE INDEX idx_users_customer_id ON users (customer_id)`);

    await q.query(`
      CREATE TABLE plans (
        id serial PRIMARY KEY,
        full_plan_name varchar DEFAULT '',
        full_price_name varchar DEFAULT '',
        product_name varchar NOT NULL,
        product_id varchar NOT NULL,
        price_id varchar NOT NULL,
        price varchar NOT NULL,
        monthly_uses integer NOT NULL DEFAULT 0,
        description text NOT NULL DEFAULT '',
        unit_amount bigint NOT NULL,
        currency char(3) NOT NULL,
        currency_options jsonb NOT NULL DEFAULT '{}',
        interval varchar(8) NOT NULL DEFAULT 'month',
        interval_count integer NOT NULL DEFAULT 1,
        trial_days integer NOT NULL DEFAULT 14,
        active boolean NOT NULL DEFAULT true,
        display_order integer NOT NULL DEFAULT 0,
        lookup_key varchar,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT plans_product_name_key UNIQUE (product_name),
        CONSTRAINT plans_price_id_key UNIQUE (price_id),
        CONSTRAINT plans_monthly_uses_check CHECK (monthly_uses >= 0),
        CONSTRAINT plans_unit_amount_check CHECK (unit_amount >= 0),
        CONSTRAINT plans_trial_days_check CHECK (trial_days >= 0),
        CONSTRAINT plans_currency_check CHECK (currency = lower(currency))
      )`);
    // The spec's idx_plans_product_id (also its uniqueness rule).
    await q.query(`CREATE UNIQUE INDEX idx_plans_product_id ON plans (product_id)`);

    await q.query(`
      CREATE TABLE packages (
        id serial PRIMARY KEY,
        product_name varchar NOT NULL,
        product_id varchar NOT NULL,
        price_id varchar NOT NULL,
        price varchar NOT NULL,
        uses_amount integer NOT NULL,
        description text NOT NULL DEFAULT '',
        unit_amount bigint NOT NULL,
        currency char(3) NOT NULL,
        currency_options jsonb NOT NULL DEFAULT '{}',
        active boolean NOT NULL DEFAULT true,
        display_order integer NOT NULL DEFAULT 0,
        lookup_key varchar,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT packages_product_name_key UNIQUE (product_name),
        CONSTRAINT packages_price_id_key UNIQUE (price_id),
        CONSTRAINT packages_uses_amount_check CHECK (uses_amount > 0),
        CONSTRAINT packages_unit_amount_check CHECK (unit_amount >= 0),
        CONSTRAINT packages_currency_check CHECK (currency = lower(currency))
      )`);
    await q.query(`CREATE UNIQUE INDEX idx_packages_product_id ON packages (product_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE packages`);
    await q.query(`DROP TABLE plans`);
    await q.query(`DROP TABLE users`);
  }
}
