import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { CatalogPusher } from '../../src/plans/catalog-pusher';
import { defaultCatalogPath, loadCatalogFile } from '../../src/plans/catalog-file';
import { createStripeClient } from '../../src/stripe/create-stripe-client';
import { StripeEmulator } from '../../src/stripe-emulator';
import { postgresServerUrl } from '../support/local-postgres';
import { buildDist } from '../support/spawn-app';
import { createScratchDatabase } from '../support/test-database';

const server = postgresServerUrl();
const CLI = join(__dirname, '..', '..', 'dist', 'src', 'cli', 'catalog-sync.js');
// The CLI and the server would both open an embedded data directory; against a shared database it needs PostgreSQL.
const withPostgres = server ? it : it.skip;

describe('npm run catalog:sync (dist/src/cli/catalog-sync.js against a real database and an emulator)', () => {
  beforeAll(() => (server ? buildDist() : undefined), 120_000);

  withPostgres(
    'only shows the changes without --yes, applies with it, and will not empty the catalog unasked',
    async () => {
      const scratch = await createScratchDatabase(server!);
      const emulator = new StripeEmulator({
        statePath: join(mkdtempSync(join(tmpdir(), 'tg-emu-')), 's.json'),
      });
      const apiUrl = await emulator.start(0, '127.0.0.1');
      const ds = await new DataSource({
        type: 'postgres',
        url: scratch.url,
        migrations: MIGRATIONS,
      }).initialize();
      const sync = async (...args: string[]) => {
        try {
          const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
            env: {
              PATH: process.env.PATH,
              DATABASE_URL: scratch.url,
              STRIPE_API_URL: apiUrl,
              NODE_ENV: 'development',
            },
          });
          return { code: 0, stdout, stderr };
        } catch (err) {
          const e = err as { code: number; stdout: string; stderr: string };
          return { code: e.code, stdout: e.stdout, stderr: e.stderr };
        }
      };
      const forSale = async () =>
        Number(
          (
            await ds.query<Array<{ n: number }>>(
              'SELECT (SELECT count(*) FROM plans WHERE active) + (SELECT count(*) FROM packages WHERE active) AS n',
            )
          )[0].n,
        );
      try {
        await ds.runMigrations();
        const stripe = createStripeClient({ secretKey: 'sk_test_cli', apiUrl });
        const catalog = loadCatalogFile(defaultCatalogPath());
        await new CatalogPusher(stripe, () => undefined).push(catalog);
        const items = catalog.plans.length + catalog.packages.length;

        const dry = await sync();
        expect(dry.code).toBe(0);
        expect(dry.stdout).toContain('Dry run, nothing changed.');
        expect(dry.stdout).toContain('Run again with --yes to apply.');
        expect(dry.stdout.match(/^ {2}added {7}/gm)).toHaveLength(items);
        expect(await forSale()).toBe(0);

        const applied = await sync('--yes');
        expect(applied.code).toBe(0);
        expect(applied.stdout).toContain('Synced');
        expect(await forSale()).toBe(items);

        for (const p of await stripe.products.list({ limit: 100 }).autoPagingToArray({ limit: 1000 }))
          await stripe.products.update(p.id, { active: false });
        const refused = await sync('--yes');
        expect(refused.code).toBe(2);
        expect(refused.stderr).toContain('Refused (CATALOG_SYNC_WOULD_EMPTY)');
        expect(await forSale()).toBe(items);

        const emptied = await sync('--yes', '--allow-empty');
        expect(emptied.code).toBe(0);
        expect(await forSale()).toBe(0);
      } finally {
        await ds.destroy();
        await emulator.stop();
        await scratch.drop();
      }
    },
    120_000,
  );
});
