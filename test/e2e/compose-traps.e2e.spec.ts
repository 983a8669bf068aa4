import type { ChildProcess } from 'node:child_process';
import { postgresServerUrl } from '../support/local-postgres';
import { buildDist } from '../support/spawn-app';
import { createScratchDatabase } from '../support/test-database';
import {
  composeServices,
  freePort,
  imageCommand,
  runService,
  serviceEnv,
} from '../support/compose-processes';

const server = postgresServerUrl();
// The emulator-profile case needs a PostgreSQL server to stand in for the `postgres` service.
const withPostgres = server ? it : it.skip;

const lines = (s: string) => s.trim().split('\n').filter(Boolean);

/**
 * docker-compose.yml's `app` service run as a process (the image's CMD, the file's environment, service names
 * mapped to loopback; no Docker engine here) the way a newcomer starts it: no .env, or the emulator profile
 * while the emulator is not answering. Either way one line on stderr naming what to set, never a half-working
 * app whose checkout pages point at its own container.
 */
describe('docker compose traps (the app service as a process)', () => {
  const services = composeServices();
  const children: ChildProcess[] = [];
  beforeAll(() => buildDist(), 120_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  });

  it('without .env (no Stripe key, no emulator profile) the app refuses in one line naming what to set', async () => {
    const env = serviceEnv(services.app, {}, [], { HOST: '127.0.0.1', PORT: String(await freePort()) });
    expect(env.STRIPE_SECRET_KEY).toBeUndefined();
    const app = runService('app', imageCommand(), env);
    children.push(app.child);
    expect(await app.exited).toBe(1);
    const [line, ...rest] = lines(app.stderr());
    expect(rest).toEqual([]);
    expect(line).toMatch(/^Invalid configuration: STRIPE_SECRET_KEY is not set/);
    for (const named of ['.env', 'WEBHOOK_SECRET', 'STRIPE_API_URL', 'COMPOSE_PROFILES=emulator'])
      expect(line).toContain(named);
  });

  withPostgres(
    'with the emulator profile but no emulator answering, the app names STRIPE_API_URL in one line (needs PostgreSQL)',
    async () => {
      const scratch = await createScratchDatabase(server!);
      try {
        const emulatorPort = await freePort();
        const hosts: Array<[RegExp, string]> = [
          [/^postgresql:\/\/tollgate:tollgate@postgres:5432\/tollgate$/, scratch.url],
          [/^redis:\/\/redis:6379$/, process.env.REDIS_URL ?? ''],
          [/\/\/stripe-emulator:12111/, `//127.0.0.1:${emulatorPort}`],
        ];
        const given = { STRIPE_API_URL: 'http://stripe-emulator:12111' }; // the README's emulator command line
        const migrate = runService(
          'migrate',
          services.migrate.command!,
          serviceEnv(services.migrate, given, hosts),
        );
        children.push(migrate.child);
        expect({ code: await migrate.exited, out: migrate.out() }).toMatchObject({ code: 0 });

        const env = serviceEnv(services.app, given, hosts, {
          HOST: '127.0.0.1',
          PORT: String(await freePort()),
        });
        const app = runService('app', imageCommand(), env);
        children.push(app.child);
        expect({ code: await app.exited, out: app.out() }).toMatchObject({ code: 1 });
        expect(lines(app.stderr())).toEqual([
          `tollgate: Cannot reach Stripe at http://127.0.0.1:${emulatorPort} (STRIPE_API_URL): connection refused. ` +
            'Start that server (Docker Compose: COMPOSE_PROFILES=emulator) or fix STRIPE_API_URL.',
        ]);
      } finally {
        await scratch.drop();
      }
    },
    120_000,
  );
});
