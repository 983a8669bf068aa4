import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureLogs } from '../support/log-capture';
import { postgresServerUrl } from '../support/local-postgres';
import { buildDist, spawnApp } from '../support/spawn-app';
import { createTestApp, waitFor } from '../support/test-app';
import { createScratchDatabase } from '../support/test-database';

const DIST = join(__dirname, '..', '..', 'dist', 'src');
const server = postgresServerUrl();
const withPostgres = server ? it : it.skip;
const lines = (s: string) => s.trim().split('\n').filter(Boolean);

describe('what operators read (spawned commands and a running app)', () => {
  beforeAll(() => buildDist(), 120_000);

  it('migration:run says what it applied, then that nothing is left to apply', async () => {
    const env = { PGLITE_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'tg-migrate-')), 'pglite') };
    const first = spawnApp(env, join(DIST, 'cli', 'migrate.js'), ['run']);
    expect((await first.exited).code).toBe(0);
    expect(first.stdout()).toMatch(/: applied \d+ migrations: InitialSchema\d+, /);
    const again = spawnApp(env, join(DIST, 'cli', 'migrate.js'), ['run']);
    expect((await again.exited).code).toBe(0);
    expect(again.stdout()).toMatch(/: already up to date \(nothing to apply\)\n$/);
  });

  it('stripe:replay on the embedded setup prints the whole advice: the command to run and where ADMIN_TOKEN comes from', async () => {
    const cli = spawnApp({}, join(DIST, 'cli', 'stripe-replay.js'), ['--since', '2h']);
    expect((await cli.exited).code).toBe(1);
    const advice = cli.stderr();
    expect(advice).toContain('curl -X POST http://localhost:${PORT:-8000}/admin/stripe/replay');
    expect(advice).toContain(`-d '{"since":"2h"}'`);
    expect(advice).toContain('ADMIN_TOKEN: log in as an ADMIN_EMAILS user');
  });

  withPostgres(
    'in production the startup banner is one JSON log line, like every other line (needs PostgreSQL)',
    async () => {
      const scratch = await createScratchDatabase(server!);
      const app = spawnApp({
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        DATABASE_URL: scratch.url,
        DB_MIGRATE_ON_START: 'true',
        STRIPE_SECRET_KEY: `sk_live_${'0'.repeat(8)}placeholder`,
        WEBHOOK_SECRET: 'whsec_placeholder',
        JWT_SECRET: 'x7Hq9vR2mL4pT8wK1zN6bC3yF5gJ0dSa',
        HOST: '127.0.0.1',
      });
      try {
        const banner = await waitFor(
          () =>
            lines(app.stdout())
              .map((l) => JSON.parse(l) as { msg?: string; port?: number; stripe?: string })
              .find((l) => /^Tollgate .* listening on 127\.0\.0\.1:\d+$/.test(l.msg ?? '')),
          'the banner line',
          30_000,
        );
        expect(banner).toMatchObject({ stripe: 'live', docs: '/docs', port: expect.any(Number) });
        for (const line of lines(app.stdout())) expect(() => JSON.parse(line) as unknown).not.toThrow();
        expect(app.stdout()).not.toContain('Swagger UI');
      } finally {
        app.child.kill('SIGTERM');
        await app.exited;
        await scratch.drop();
      }
    },
    60_000,
  );

  it('GET /health polled while Stripe is down logs one warning, not a failure per call', async () => {
    const logs = captureLogs();
    const t = await createTestApp({ env: { LOG_LEVEL: 'info' } });
    try {
      await t.emulator.stop();
      for (let i = 0; i < 4; i += 1) await t.http().get('/health').expect(503);
      const text = logs.text();
      expect(lines(text).filter((l) => l.includes('health: stripe'))).toHaveLength(1);
      expect(text).toContain('health: stripe (');
      expect(text).not.toContain('Health Check has failed');
    } finally {
      logs.stop();
      await t.close();
    }
  });
});
