import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stripe Tax in the catalog mirror: each price's `tax_behavior` (exclusive, inclusive, or unspecified for a
 * price pushed before tax) and its product's `tax_code`, read back by catalog sync like the rest.
 */
export class CatalogTax1764400900000 implements MigrationInterface {
  name = 'CatalogTax1764400900000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['plans', 'packages']) {
      await q.query(
        `ALTER TABLE ${table} ADD COLUMN tax_behavior varchar(12) NOT NULL DEFAULT 'unspecified',
           ADD COLUMN tax_code varchar(64),
           ADD CONSTRAINT ${table}_tax_behavior_check CHECK (tax_behavior IN ('exclusive', 'inclusive', 'unspecified'))`,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['plans', 'packages']) {
      await q.query(
        `ALTER TABLE ${table} DROP CONSTRAINT ${table}_tax_behavior_check, DROP COLUMN tax_code, DROP COLUMN tax_behavior`,
      );
    }
  }
}
