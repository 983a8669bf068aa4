import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A product's price changes in Stripe by creating a new price and archiving the old one; subscriptions on the
 * old price must still resolve their plan. So `plans`/`packages` keep one row per price (price_id stays
 * unique), and "one product, one name" becomes a rule about what is for sale: unique among active rows.
 * Plain indexes keep the spec's product_id lookups fast.
 */
export class CatalogPriceHistory1764400200000 implements MigrationInterface {
  name = 'CatalogPriceHistory1764400200000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['plans', 'packages']) {
      await q.query(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_product_name_key`);
      await q.query(`DROP INDEX idx_${table}_product_id`);
      await q.query(`CREATE INDEX idx_${table}_product_id ON ${table} (product_id)`);
      await q.query(`CREATE UNIQUE INDEX ${table}_active_product_key ON ${table} (product_id) WHERE active`);
      await q.query(
        `CREATE UNIQUE INDEX ${table}_active_product_name_key ON ${table} (product_name) WHERE active`,
      );
    }
  }

  /** Fails (and changes nothing) while archived prices share a product or name: remove those rows first. */
  async down(q: QueryRunner): Promise<void> {
    for (const table of ['plans', 'packages']) {
      await q.query(`DROP INDEX ${table}_active_product_name_key`);
      await q.query(`DROP INDEX ${table}_active_product_key`);
      await q.query(`DROP INDEX idx_${table}_product_id`);
      await q.query(`CREATE UNIQUE INDEX idx_${table}_product_id ON ${table} (product_id)`);
      await q.query(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_product_name_key UNIQUE (product_name)`);
    }
  }
}
