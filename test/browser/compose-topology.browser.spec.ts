import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import {
  composeServices,
  freePort,
  imageCommand,
  runService,
  serviceEnv,
} from '../support/compose-processes';
import { postgresServerUrl } from '../support/local-postgres';
import { buildDist } from '../support/spawn-app';
import { waitFor } from '../support/test-app';
import { createScratchDatabase } from '../support/test-database';

const ROOT = join(__dirname, '..', '..');
const SHOTS = join(ROOT, 'test-results', 'compose');
const server = postgresServerUrl();
// The compose services need a PostgreSQL server to stand in for the `postgres` service.
const withPostgres = server ? it : it.skip;

/**
 * What a newcomer gets from the README's `COMPOSE_PROFILES=emulator STRIPE_API_URL=http://stripe-emulator:12111
 * docker compose up`, without a Docker engine (this machine has none): every Tollgate service of
 * docker-compose.yml runs as a process with exactly the command and environment the file gives it, the service
 * names mapped to loopback (postgres → a scratch database on the local PostgreSQL, redis → the local Redis when
 * REDIS_URL is set) and the published ports to free ones. Then a real browser on "the host" completes a
 * subscription checkout from http://localhost:<app port>/demo through the emulator's hosted page.
 */
describe('docker-compose topology with the emulator profile (processes, real browser)', () => {
  const children: ChildProcess[] = [];
  let browser: Browser | undefined;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(() => (server ? buildDist() : undefined), 120_000);
  afterAll(async () => {
    await browser?.close();
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(
      children.map((c) => new Promise((r) => (c.exitCode !== null ? r(0) : c.once('exit', r)))),
    );
    await drop?.();
  });

  withPostgres(
    'migrates, serves the demo on localhost and completes a checkout on the emulator',
    async () => {
      mkdirSync(SHOTS, { recursive: true });
      const compose = { services: composeServices() };
      const scratch = await createScratchDatabase(server!);
      drop = scratch.drop;
      const [appPort, emulatorPort] = [await freePort(), await freePort()];
      const given = { STRIPE_API_URL: 'http://stripe-emulator:12111' }; // the README's emulator command line
      const hosts: Array<[RegExp, string]> = [
        [/^postgresql:\/\/tollgate:tollgate@postgres:5432\/tollgate$/, scratch.url],
        [/^redis:\/\/redis:6379$/, process.env.REDIS_URL ?? ''],
        [/\/\/stripe-emulator:12111/, `//127.0.0.1:${emulatorPort}`],
        [/\/\/app:8000/, `//127.0.0.1:${appPort}`],
        [/\/\/localhost:12111/, `//localhost:${emulatorPort}`],
      ];
      const envOf = (name: string, ports: Record<string, string>) =>
        serviceEnv(compose.services[name], given, hosts, ports);
      const run = (name: string, command: string[], env: Record<string, string>) => {
        const service = runService(name, command, env);
        children.push(service.child);
        return service;
      };

      // migrate: its own command, to completion.
      const migrate = run('migrate', compose.services.migrate.command!, envOf('migrate', {}));
      const code = await new Promise<number | null>((r) => migrate.child.once('exit', r));
      expect({ code, out: migrate.out() }).toMatchObject({ code: 0 });

      const emulator = run(
        'stripe-emulator',
        compose.services['stripe-emulator'].command!,
        envOf('stripe-emulator', {
          STRIPE_EMULATOR_HOST: '127.0.0.1', // loopback only in tests; the file binds 0.0.0.0 inside its container
          STRIPE_EMULATOR_PORT: String(emulatorPort),
          STRIPE_EMULATOR_STATE: join(mkdtempSync(join(tmpdir(), 'tg-compose-')), 'emulator.json'),
        }),
      );
      await waitFor(
        () =>
          fetch(`http://127.0.0.1:${emulatorPort}/v1/products`, {
            headers: { Authorization: 'Bearer sk_test_x' },
          }).then((r) => r.ok),
        `the emulator to answer: ${emulator.out()}`,
        30_000,
      );
      // app: the image's CMD (Dockerfile) with the service's environment.
      const app = run('app', imageCommand(), envOf('app', { PORT: String(appPort), LOG_LEVEL: 'warn' }));
      await waitFor(
        () => fetch(`http://127.0.0.1:${appPort}/health/ready`).then((r) => r.ok),
        `the app to be ready: ${app.out()}`,
        60_000,
      );

      browser = await launchChromium();
      const page = await browser.newPage();
      const timeout = { timeout: 20_000 };
      await page.goto(`http://localhost:${appPort}/demo`);
      await page.getByLabel('Email').fill(`compose-${Date.now()}@tollgate.test`);
      await page.getByLabel(/^Password/).fill('correct horse battery');
      await page.getByRole('button', { name: 'Register' }).click();
      await page.getByRole('button', { name: 'Subscribe to Pro Plan' }).click(timeout);
      // The hosted checkout page is on the emulator's published port, as the browser on the host sees it.
      await page.waitForURL(new RegExp(`^http://localhost:${emulatorPort}/checkout/`), timeout);
      await page.getByLabel('Card number').fill('4242 4242 4242 4242');
      await page.getByRole('button', { name: /pay|subscribe|start/i }).click();
      await page.waitForURL(new RegExp(`^http://localhost:${appPort}/demo`), timeout);
      await waitFor(
        async () => (await page.locator('#sub-status').textContent())?.trim() === 'trialing',
        'the subscription to show as trialing',
        20_000,
      );
      await waitFor(
        async () => (await page.locator('#monthly-credits').textContent())?.trim() === '100',
        `the trial's 100 monthly credits (webhook from the emulator to the app): ${app.out()}`,
        20_000,
      );
      await page.screenshot({ path: join(SHOTS, 'subscribed.png'), fullPage: true });
    },
    240_000,
  );
});
