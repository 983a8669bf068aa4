import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Entitlements: what each plan lets a user do. `plans.features` holds a plan's flags and limits (read back from
 * Stripe by catalog sync); `free_plans` is the catalog's price-less free plan; `user_entitlements` is each
 * user's current set, derived from their subscription in the same transaction as the subscription change, with
 * the subscription read it came from (`source_version`) so an older read never replaces a newer one.
 */
export class Entitlements1764400700000 implements MigrationInterface {
  name = 'Entitlements1764400700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE plans ADD COLUMN features jsonb NOT NULL DEFAULT '{}'`);
    await q.query(`
      CREATE TABLE free_plans (
        product_id varchar PRIMARY KEY,
        lookup_key varchar,
        name varchar NOT NULL,
        features jsonb NOT NULL DEFAULT '{}',
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE user_entitlements (
        user_id uuid PRIMARY KEY,
        features jsonb NOT NULL DEFAULT '{}',
        source varchar(16) NOT NULL DEFAULT 'none',
        plan_lookup_key varchar,
        plan_name varchar,
        subscription_id varchar(255),
        subscription_status varchar(32),
        access_until timestamptz,
        source_version bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT user_entitlements_source_check CHECK (source IN ('subscription', 'free_plan', 'none')),
        CONSTRAINT user_entitlements_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE user_entitlements`);
    await q.query(`DROP TABLE free_plans`);
    await q.query(`ALTER TABLE plans DROP COLUMN features`);
  }
}
