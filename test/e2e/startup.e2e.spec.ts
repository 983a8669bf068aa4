import { createServer, type Server, type Socket } from 'node:net';
import { StripeEmulator } from '../../src/stripe-emulator';
import { waitFor } from '../support/test-app';
import { buildDist, spawnApp } from '../support/spawn-app';

/** A TCP server holding a loopback port; `silent` accepts connections and never answers (a black-hole DB). */
async function holdPort(host = '127.0.0.1'): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const lines = (s: string) => s.trim().split('\n').filter(Boolean);

describe('startup failures are one clear line (spawned dist/src/main.js)', () => {
  beforeAll(() => buildDist(), 120_000);

  it('refuses NODE_ENV=production without DATABASE_URL', async () => {
    const app = spawnApp({
      NODE_ENV: 'production',
      STRIPE_SECRET_KEY: `sk_live_${'0'.repeat(8)}placeholder`,
      WEBHOOK_SECRET: 'whsec_placeholder',
      JWT_SECRET: 'x7Hq9vR2mL4pT8wK1zN6bC3yF5gJ0dSa',
    });
    expect((await app.exited).code).toBe(1);
    expect(lines(app.stderr())).toEqual([
      'Invalid configuration: DATABASE_URL is required in production (the embedded database is for development)',
    ]);
  });

  it('names host:port within DB_CONNECT_TIMEOUT_MS when the database accepts and never answers', async () => {
    const blackHole = await holdPort();
    try {
      const app = spawnApp({
        DATABASE_URL: `postgresql://app@127.0.0.1:${blackHole.port}/tollgate`,
        DB_CONNECT_TIMEOUT_MS: '1000',
      });
      const { code, ms } = await app.exited;
      expect(code).toBe(1);
      expect(lines(app.stderr())).toEqual([
        `tollgate: Cannot reach PostgreSQL at 127.0.0.1:${blackHole.port} (DATABASE_URL): no answer after 1000 ms (DB_CONNECT_TIMEOUT_MS).`,
      ]);
      // One attempt (1 s) plus the process start, even on a loaded machine; TypeORM's ten retries take ~40 s.
      expect(ms).toBeLessThan(25_000);
      expect(app.stdout()).toBe('');
    } finally {
      await blackHole.close();
    }
  });

  it('refuses STRIPE_AUTOMATIC_TAX=true when Stripe Tax is not active on the account', async () => {
    const stripe = new StripeEmulator({ taxStatus: 'pending' });
    const url = await stripe.start(0);
    try {
      const app = spawnApp({
        STRIPE_AUTOMATIC_TAX: 'true',
        STRIPE_API_URL: url,
        STRIPE_SECRET_KEY: 'sk_test_tax_startup',
        WEBHOOK_SECRET: 'whsec_tax_startup',
      });
      expect((await app.exited).code).toBe(1);
      expect(lines(app.stderr())).toEqual([
        'tollgate: Invalid configuration: STRIPE_AUTOMATIC_TAX is true but Stripe Tax is not active on this Stripe account (status pending, missing head_office): set it up at https://dashboard.stripe.com/settings/tax, or unset STRIPE_AUTOMATIC_TAX',
      ]);
    } finally {
      await stripe.stop();
    }
  });

  it('says connection refused for a closed port', async () => {
    const closed = await holdPort();
    await closed.close();
    const app = spawnApp({ DATABASE_URL: `postgresql://app@127.0.0.1:${closed.port}/tollgate` });
    expect((await app.exited).code).toBe(1);
    expect(lines(app.stderr())).toEqual([
      `tollgate: Cannot reach PostgreSQL at 127.0.0.1:${closed.port} (DATABASE_URL): connection refused.`,
    ]);
  });

  it('tells an unmigrated database to run npm run migration:run', async () => {
    const app = spawnApp({ DB_MIGRATE_ON_START: 'false' });
    expect((await app.exited).code).toBe(1);
    const [line, ...rest] = lines(app.stderr());
    expect(rest).toEqual([]);
    expect(line).toMatch(/^tollgate: The database is not migrated \(\d+ pending: InitialSchema\d+/);
    expect(line).toContain('run npm run migration:run');
  });

  it('says which HTTP port is busy', async () => {
    const busy = await holdPort();
    try {
      const app = spawnApp({ PORT: String(busy.port) });
      expect((await app.exited).code).toBe(1);
      expect(lines(app.stderr())).toEqual([
        `tollgate: Cannot listen on 127.0.0.1:${busy.port}: the port is already in use (another Tollgate?). Stop it or set PORT to a free port.`,
      ]);
      expect(app.stdout()).toBe(''); // no JSON error line, no boot logs: it stops before anything starts
    } finally {
      await busy.close();
    }
  });

  it('moves the built-in emulator to a free port when STRIPE_EMULATOR_PORT is taken, and says so', async () => {
    const busy = await holdPort();
    const app = spawnApp({ STRIPE_EMULATOR_PORT: String(busy.port) });
    try {
      const banner = await waitFor(
        () => /built-in emulator at http:\/\/127\.0\.0\.1:(\d+) \(port (\d+) was busy\)/.exec(app.stdout()),
        'the banner',
        30_000,
      );
      expect(Number(banner[2])).toBe(busy.port);
      expect(Number(banner[1])).not.toBe(busy.port);
      expect(app.stdout()).toContain(`port ${busy.port} is in use; the built-in Stripe emulator listens on`);
    } finally {
      app.child.kill('SIGTERM');
      await app.exited;
      await busy.close();
    }
  });
});
