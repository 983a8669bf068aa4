import type { CanActivate } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { createVerifier } from 'fast-jwt';
import { AuthenticationGuard } from '../../src/auth/guards/authentication.guard';
import { CreditsController } from '../../src/credits/credits.controller';
import { TokenService } from '../../src/auth/token.service';
import { authConfig, AuthConfig } from '../../src/config/auth.config';
import { createApiKey } from '../factories/api-key.factory';
import { registerUser } from '../factories/user.factory';
import { TestIdentityProvider } from '../support/jwks-server';
import { createTestApp } from '../support/test-app';
import { httpLoad, Measured, tableHeader, tableRow, verdict, warmUp } from './bench-utils';
import { PlainAuthGuard } from './plain-auth.guard';

const CONNECTIONS = 32;
const DURATION_S = Number(process.env.BENCH_AUTH_DURATION_S ?? 4);
const ROUNDS = 3;
const MICRO_MS = 1000;

/** Calls `op` back to back for about `ms` milliseconds; returns nanoseconds per call. */
function nsPerOp(op: () => unknown, ms = MICRO_MS): number {
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(ms * 1e6));
  let now = start;
  while (now < end) {
    for (let i = 0; i < 1000; i++) op();
    n += 1000;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / n;
}

/** Awaits `op` back to back for about `ms` milliseconds; returns nanoseconds per call. */
async function nsPerAsyncOp(op: () => unknown, ms: number): Promise<number> {
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(ms * 1e6));
  let now = start;
  while (now < end) {
    for (let i = 0; i < 200; i++) await op();
    n += 200;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / n;
}

/**
 * Each guard's canActivate on a prepared GET /credits request (what the guard itself costs, with the
 * verification it calls), in alternating samples; the fastest sample of each, so a busy neighbour on the
 * machine slows both alike or neither.
 */
async function guardCosts(
  guards: [CanActivate, CanActivate],
  headers: [Record<string, string>, Record<string, string>],
  samples = 10,
  sampleMs = 200,
): Promise<[number, number]> {
  const handler = Object.getOwnPropertyDescriptor(CreditsController.prototype, 'breakdown')!
    .value as () => unknown;
  const ops = guards.map((guard, g) => {
    const lower = Object.fromEntries(Object.entries(headers[g]).map(([k, v]) => [k.toLowerCase(), v]));
    return () => {
      const req = { headers: { ...lower }, raw: {} };
      const context = new ExecutionContextHost([req, {}], CreditsController, handler);
      context.setType('http');
      return guard.canActivate(context);
    };
  });
  const best: [number, number] = [Infinity, Infinity];
  for (let i = 0; i < samples; i++) {
    for (const g of [0, 1] as const) best[g] = Math.min(best[g], await nsPerAsyncOp(ops[g], sampleMs));
  }
  return best;
}

/** One app with its callers: an admin, a local user, two IdP users, an API key acting for a host user. */
async function prepare(idp: TestIdentityProvider, plain: boolean) {
  const t = await createTestApp({
    env: {
      THROTTLE_LIMIT: '1000000000',
      THROTTLE_API_KEY_LIMIT: '1000000000',
      THROTTLE_TTL_MS: '1000',
      AUTH_ISSUER: idp.issuer,
      AUTH_AUDIENCE: 'tollgate-api',
    },
    override: plain
      ? (builder) => builder.overrideProvider(AuthenticationGuard).useClass(PlainAuthGuard)
      : undefined,
  });
  const admin = await registerUser(t, 'admin@tollgate.test');
  const user = await registerUser(t);
  const key = await createApiKey(t, admin, ['credits:read', 'users:write']);
  await t
    .http()
    .put('/users/bench-key')
    .set({ Authorization: `Bearer ${key.secret}` })
    .send({})
    .expect(200);
  const kinds = [
    ['local HS256 token', user.auth],
    ['external RS256 token', { Authorization: `Bearer ${await idp.sign('rsa-1', { sub: 'bench-rs' })}` }],
    ['external ES256 token', { Authorization: `Bearer ${await idp.sign('ec-1', { sub: 'bench-es' })}` }],
    ['API key + X-Tollgate-User', { Authorization: `Bearer ${key.secret}`, 'X-Tollgate-User': 'bench-key' }],
  ] as Array<[string, Record<string, string>]>;
  return { t, user, kinds };
}

const best = (list: Measured[]) => list.reduce((a, b) => (b.rps > a.rps ? b : a));

/**
 * What authentication costs per request, on GET /credits (one balance read after auth), for each kind of
 * credential: a local HS256 token (fast-jwt), the host IdP's RS256 and ES256 tokens (jose, keys cached from a
 * loopback JWKS, the user known after the first request), and an API key acting for a user (X-Tollgate-User),
 * beside GET /health/live (@Public: the same pipeline with no auth and no database). Two apps in this process:
 * Tollgate's Passport guard and the plain guard it replaced (the baseline), measured in alternating rounds,
 * best of ROUNDS; then each guard's own canActivate cost in-process, and the local verification alone.
 */
export async function benchAuth(): Promise<string> {
  const idp = await new TestIdentityProvider().start();
  await idp.addKey('rsa-1', 'RS256');
  await idp.addKey('ec-1', 'ES256');
  const apps = [await prepare(idp, true), await prepare(idp, false)];
  try {
    const [plainApp, passportApp] = apps;
    const load = (url: string, headers: Record<string, string> = {}) => ({
      url,
      headers,
      connections: CONNECTIONS,
      durationS: DURATION_S,
    });
    const targets: Array<[string, ReturnType<typeof load>]> = [];
    passportApp.kinds.forEach(([kind], i) => {
      targets.push([`plain guard, ${kind}`, load(`${plainApp.t.url}/credits`, plainApp.kinds[i][1])]);
      targets.push([`Passport, ${kind}`, load(`${passportApp.t.url}/credits`, passportApp.kinds[i][1])]);
    });
    targets.push(['GET /health/live (public)', load(`${passportApp.t.url}/health/live`)]);
    for (const [, l] of targets) await warmUp(l);
    const runs = targets.map(() => [] as Measured[]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, [name, l]] of targets.entries()) runs[i].push(await httpLoad(name, l));
    }
    const bests = runs.map(best);
    // One process serves every request: 1/throughput is the server time each request costs.
    const usPerReq = (m: Measured) => 1e6 / m.rps;
    const [plainLocal, passportLocal] = [usPerReq(bests[0]), usPerReq(bests[1])];
    const apiKeyRatio = usPerReq(bests[7]) / passportLocal;

    const costs: Array<[string, number, number]> = [];
    const guards: [CanActivate, CanActivate] = [
      plainApp.t.app.get(AuthenticationGuard),
      passportApp.t.app.get(AuthenticationGuard),
    ];
    for (const [i, [kind]] of passportApp.kinds.entries()) {
      costs.push([kind, ...(await guardCosts(guards, [plainApp.kinds[i][1], passportApp.kinds[i][1]]))]);
    }

    const { t, user } = passportApp;
    const tokens = t.app.get(TokenService);
    const { jwtSecret } = t.app.get<AuthConfig>(authConfig.KEY);
    const raw = createVerifier({ key: jwtSecret, algorithms: ['HS256'] });
    const rawCached = createVerifier({ key: jwtSecret, algorithms: ['HS256'], cache: 1000 });
    tokens.authenticate(user.token);
    const micro = [
      ['TokenService.authenticate (fast-jwt, cache 1000)', nsPerOp(() => tokens.authenticate(user.token))],
      ['fast-jwt verify, no cache', nsPerOp(() => raw(user.token))],
      ['fast-jwt verify, cache 1000', nsPerOp(() => rawCached(user.token))],
    ] as const;

    const httpRatios = passportApp.kinds.map(([kind], i) => {
      const r = bests[2 * i + 1].rps / bests[2 * i].rps;
      return `  ${kind.padEnd(44)} ${verdict(r.toFixed(2), '≥ 0.93', r >= 0.93)}`;
    });
    return [
      `auth: ${CONNECTIONS} connections, ${DURATION_S} s per round, best of ${ROUNDS} alternating rounds; ` +
        `database: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}`,
      tableHeader(),
      ...bests.map((m) => tableRow(m)),
      'Passport guard throughput / plain guard throughput, GET /credits, same run:',
      ...httpRatios,
      'server time per request (Passport), and beside the local token on the same route:',
      ...passportApp.kinds.map(([kind], i) => {
        const us = usPerReq(bests[2 * i + 1]);
        return (
          `  ${kind.padEnd(44)} ${us.toFixed(0).padStart(6)} µs  ` +
          `(${(us / passportLocal).toFixed(2)}× local, ${(us - passportLocal).toFixed(0)} µs more)`
        );
      }),
      `  /health/live (no auth, no database)          ${usPerReq(bests[8]).toFixed(0).padStart(6)} µs`,
      `  (plain guard, local token: ${plainLocal.toFixed(0)} µs)`,
      `API key + X-Tollgate-User / local token: ${verdict(apiKeyRatio.toFixed(2), '≤ 1.3', apiKeyRatio <= 1.3)}`,
      `the auth guard's own cost (canActivate on a prepared GET /credits request, fastest of alternating samples):`,
      `  ${'credential'.padEnd(30)} ${'plain'.padStart(10)} ${'Passport'.padStart(10)} ${'difference'.padStart(12)}`,
      ...costs.map(([kind, plain, pass]) => {
        const diff = (pass - plain) / 1000;
        return (
          `  ${kind.padEnd(30)} ${(plain / 1000).toFixed(2).padStart(7)} µs ${(pass / 1000).toFixed(2).padStart(7)} µs ` +
          `${verdict(`${diff.toFixed(2)} µs`, '≤ 10 µs', diff <= 10)}`
        );
      }),
      `token verification alone (same token, ${MICRO_MS} ms each):`,
      ...micro.map(([name, ns]) => `  ${name.padEnd(50)} ${(ns / 1000).toFixed(2).padStart(8)} µs/op`),
    ].join('\n');
  } finally {
    for (const { t } of apps) await t.close();
    await idp.stop();
  }
}

if (require.main === module) {
  benchAuth().then(
    (report) => console.log(report),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
