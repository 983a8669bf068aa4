import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS } from '../../migrations';
import { loadCatalogFile, defaultCatalogPath } from '../../src/plans/catalog-file';
import { StripeEmulator } from '../../src/stripe-emulator';
import { postgresServerUrl } from '../support/local-postgres';
import { buildDist, spawnApp, SpawnedApp } from '../support/spawn-app';
import { createScratchDatabase } from '../support/test-database';
import { waitFor } from '../support/test-app';

const server = postgresServerUrl();
const SECRET = 'whsec_replicas_test_only';

// The race needs several processes sharing one real database, which the embedded one cannot be. Without a
// PostgreSQL (neither DATABASE_URL nor 127.0.0.1:5432 reachable) the test is reported as skipped, by name.
const withPostgres = server ? it : it.skip;

describe('three replicas booting at once on an empty PostgreSQL (spawned dist/src/main.js)', () => {
  beforeAll(() => (server ? buildDist() : undefined), 120_000);

  withPostgres('run each migration once, push the default catalog once, and all come up', async () => {
    const scratch = await createScratchDatabase(server!);
    const emulator = new StripeEmulator({
      statePath: join(mkdtempSync(join(tmpdir(), 'tollgate-emu-')), 's.json'),
    });
    const stripeUrl = await emulator.start(0, '127.0.0.1');
    const apps: SpawnedApp[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        apps.push(
          spawnApp({
            DATABASE_URL: scratch.url,
            DB_MIGRATE_ON_START: 'true',
            STRIPE_API_URL: stripeUrl,
            WEBHOOK_SECRET: SECRET,
          }),
        );
      }
      let exited = -1;
      apps.forEach((a, i) => void a.exited.then(() => (exited = i)));
      await waitFor(
        () => {
          if (exited >= 0) throw new Error(`replica ${exited} exited: ${apps[exited].stderr()}`);
          return apps.every((a) => a.stdout().includes('listening on http://'));
        },
        'all three replicas to listen',
        60_000,
      );

      const db = new Client({ connectionString: scratch.url });
      await db.connect();
      try {
        const ran = await db.query<{ name: string }>('SELECT name FROM migrations');
        expect(ran.rows.map((r) => r.name).sort()).toEqual(MIGRATIONS.map((m) => m.name).sort());
        const catalog = loadCatalogFile(defaultCatalogPath());
        const rows = await db.query<{ n: number }>(
          'SELECT (SELECT count(*) FROM plans WHERE active)::int + (SELECT count(*) FROM packages WHERE active)::int AS n',
        );
        expect(rows.rows[0].n).toBe(catalog.plans.length + catalog.packages.length);
      } finally {
        await db.end();
      }
      // One push: every lookup key has exactly one active price in Stripe, and no product was created twice.
      const prices = (await (
        await fetch(`${stripeUrl}/v1/prices?limit=100&active=true`, {
          headers: { Authorization: 'Bearer sk_test_x' },
        })
      ).json()) as { data: Array<{ lookup_key: string | null }> };
      const keys = prices.data.map((p) => p.lookup_key).filter(Boolean);
      expect(keys.length).toBeGreaterThan(0);
      expect(new Set(keys).size).toBe(keys.length);
    } finally {
      for (const a of apps) a.child.kill('SIGTERM');
      await Promise.all(apps.map((a) => a.exited));
      await emulator.stop();
      await scratch.drop();
    }
  });
});
