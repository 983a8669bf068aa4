import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { postgresServerUrl } from '../support/local-postgres';
import { createScratchDatabase } from '../support/test-database';

const server = postgresServerUrl();
const withPostgres = server ? it : it.skip;

describe('tax migrations (catalog tax columns, billing_details)', () => {
  withPostgres('go up, revert cleanly, and go up again (skipped without PostgreSQL)', async () => {
    const scratch = await createScratchDatabase(server!);
    const ds = await new DataSource({
      type: 'postgres',
      url: scratch.url,
      migrations: MIGRATIONS,
    }).initialize();
    try {
      const columns = async () =>
        (
          await ds.query<Array<{ c: string }>>(
            `SELECT table_name || '.' || column_name AS c FROM information_schema.columns
              WHERE column_name IN ('tax_behavior', 'tax_code') OR table_name = 'billing_details' ORDER BY 1`,
          )
        ).map((r) => r.c);
      await ds.runMigrations();
      expect(await columns()).toEqual(
        expect.arrayContaining([
          'billing_details.country',
          'billing_details.tax_ids',
          'packages.tax_behavior',
          'plans.tax_code',
        ]),
      );
      await expect(
        ds.query(
          `INSERT INTO billing_details (user_id, customer_id, country) VALUES (gen_random_uuid(), 'cus_x', 'de')`,
        ),
      ).rejects.toThrow();
      // Undo down to (and including) the catalog-tax migration, whatever came after it.
      const applied = async () =>
        (await ds.query(`SELECT name FROM migrations`)).map((r: { name: string }) => r.name) as string[];
      while ((await applied()).includes('CatalogTax1764400900000')) await ds.undoLastMigration();
      expect(await columns()).toEqual([]);
      await ds.runMigrations();
      expect((await columns()).length).toBeGreaterThan(10);
    } finally {
      await ds.destroy();
      await scratch.drop();
    }
  });
});
