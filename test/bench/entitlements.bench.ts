import { registerUser } from '../factories/user.factory';
import { catalogPrice, openCheckout, settle } from '../support/stripe-helpers';
import { createTestApp } from '../support/test-app';
import { httpLoad, Measured, tableHeader, tableRow, warmUp } from './bench-utils';

const CONNECTIONS = 32;
const DURATION_S = Number(process.env.BENCH_ENTITLEMENTS_DURATION_S ?? 4);
const ROUNDS = 2;

/**
 * What entitlements cost per request, in alternating rounds on one app: GET /credits (auth and one balance
 * read: the baseline), GET /entitlements (auth and the user's stored set), the @RequiresFeature example route
 * for a subscribed user (the guard's read, then the handler), and the same route refused for a free-plan user
 * (the 403 also looks up the plan that would grant the feature).
 */
export async function benchEntitlements(): Promise<string> {
  const t = await createTestApp({ env: { THROTTLE_LIMIT: '1000000000', THROTTLE_TTL_MS: '1000' } });
  try {
    const subscriber = await registerUser(t);
    const free = await registerUser(t);
    const plan = await catalogPrice(t, 'subscription', 'Pro Plan');
    const session = await openCheckout(t, subscriber, 'subscription', plan.priceId);
    await t.emulator.completeCheckout(session.id, { card: '4242424242424242' });
    await settle(t);
    const load = (path: string, headers: Record<string, string>, method: 'GET' | 'POST' = 'GET') => ({
      url: `${t.url}${path}`,
      method,
      headers,
      connections: CONNECTIONS,
      durationS: DURATION_S,
    });
    const targets = [
      ['GET /credits (baseline)', load('/credits', subscriber.auth)],
      ['GET /entitlements', load('/entitlements', subscriber.auth)],
      ['POST /examples/api-calls, entitled (200)', load('/examples/api-calls', subscriber.auth, 'POST')],
      ['POST /examples/api-calls, free plan (403)', load('/examples/api-calls', free.auth, 'POST')],
    ] as const;
    for (const [, l] of targets) await warmUp(l);
    const runs = targets.map(() => [] as Measured[]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, [name, l]] of targets.entries()) runs[i].push(await httpLoad(name, l));
    }
    const bests = runs.map((list) => list.reduce((a, b) => (b.rps > a.rps ? b : a)));
    const us = (m: Measured) => 1e6 / m.rps;
    return [
      `entitlements: ${CONNECTIONS} connections, ${DURATION_S} s per round, best of ${ROUNDS} alternating rounds; ` +
        `database: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'} (the 403 row counts as failed)`,
      tableHeader(),
      ...bests.map((m) => tableRow(m)),
      'server time per request, beside GET /credits in the same run:',
      ...bests.map(
        (m) =>
          `  ${m.name.padEnd(44)} ${us(m).toFixed(0).padStart(6)} µs  (${(us(m) / us(bests[0])).toFixed(2)}×)`,
      ),
    ].join('\n');
  } finally {
    await t.close();
  }
}
