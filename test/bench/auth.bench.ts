import { createVerifier } from 'fast-jwt';
import { TokenService } from '../../src/auth/token.service';
import { authConfig, AuthConfig } from '../../src/config/auth.config';
import { registerUser } from '../factories/user.factory';
import { createTestApp } from '../support/test-app';
import { httpLoad, Measured, tableHeader, tableRow, warmUp } from './bench-utils';

const CONNECTIONS = 32;
const DURATION_S = Number(process.env.BENCH_AUTH_DURATION_S ?? 4);
const ROUNDS = 2;
const MICRO_MS = 1000;

/** Calls `op` back to back for about `ms` milliseconds; returns nanoseconds per call. */
function nsPerOp(op: () => unknown, ms = MICRO_MS): number {
  let n = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(ms * 1e6);
  let now = start;
  while (now < end) {
    for (let i = 0; i < 1000; i++) op();
    n += 1000;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / n;
}

/**
 * What authentication costs per request: GET /auth/me (guard → passport → TokenService → one users lookup)
 * beside GET /health/live (@Public: the same global pipeline with no auth and no database) on one app, in
 * alternating rounds; then the verification alone, TokenService.authenticate vs raw fast-jwt.
 */
export async function benchAuth(): Promise<string> {
  const t = await createTestApp({ env: { THROTTLE_LIMIT: '1000000000', THROTTLE_TTL_MS: '1000' } });
  try {
    const user = await registerUser(t);
    const me = {
      url: `${t.url}/auth/me`,
      headers: user.auth,
      connections: CONNECTIONS,
      durationS: DURATION_S,
    };
    const live = { url: `${t.url}/health/live`, connections: CONNECTIONS, durationS: DURATION_S };
    await warmUp(me);
    await warmUp(live);
    const mes: Measured[] = [];
    const lives: Measured[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      mes.push(await httpLoad(`GET /auth/me (bearer), ${CONNECTIONS} conns`, me));
      lives.push(await httpLoad(`GET /health/live (public), ${CONNECTIONS} conns`, live));
    }
    const best = (list: Measured[]) => list.reduce((a, b) => (b.rps > a.rps ? b : a));
    const meBest = best(mes);
    const liveBest = best(lives);
    // One process serves every request: 1/throughput is the server time each request costs.
    const usPerReq = (m: Measured) => 1e6 / m.rps;
    const extraUs = usPerReq(meBest) - usPerReq(liveBest);

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

    return [
      `auth: ${CONNECTIONS} connections, ${DURATION_S} s per round, best of ${ROUNDS} alternating rounds`,
      tableHeader(),
      ...[meBest, liveBest].map((m) => tableRow(m)),
      `server time per request: /auth/me ${usPerReq(meBest).toFixed(0)} µs, /health/live ` +
        `${usPerReq(liveBest).toFixed(0)} µs → authenticated route costs ${extraUs.toFixed(0)} µs more per request ` +
        `(bearer parse + fast-jwt verify + passport + one users row by id + JSON); p50 ` +
        `${(meBest.p50 - liveBest.p50).toFixed(2)} ms more`,
      `token verification alone (same token, ${MICRO_MS} ms each; jsonwebtoken is not installed, so not compared):`,
      ...micro.map(([name, ns]) => `  ${name.padEnd(50)} ${(ns / 1000).toFixed(2).padStart(8)} µs/op`),
      `  raw fast-jwt (no cache) / TokenService: ${(micro[1][1] / micro[0][1]).toFixed(1)}× — TokenService's ` +
        `verifier caches decoded tokens, so a repeated token skips the HMAC`,
    ].join('\n');
  } finally {
    await t.close();
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
