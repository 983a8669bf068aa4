import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `billing_details`: the local mirror of each user's billing name, address and tax IDs as stored on their
 * Stripe customer (owned by the payments module; written by BillingDetailsService).
 */
export class BillingDetails1764400910000 implements MigrationInterface {
  name = 'BillingDetails1764400910000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE billing_details (
        user_id uuid PRIMARY KEY,
        customer_id varchar(255) NOT NULL,
        name varchar(200),
        line1 varchar(200),
        line2 varchar(200),
        city varchar(200),
        state varchar(200),
        postal_code varchar(40),
        country char(2),
        tax_ids jsonb NOT NULL DEFAULT '[]',
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT billing_details_country_check CHECK (country IS NULL OR country ~ '^[A-Z]{2}$'),
        CONSTRAINT billing_details_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX idx_billing_details_customer_id ON billing_details (customer_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE billing_details`);
  }
}
