import { randomUUID } from 'node:crypto';
import { registerUser, type TestUser } from '../factories/user.factory';
import { catalogPrice, settle } from '../support/stripe-helpers';
import { createTestApp } from '../support/test-app';
import { httpLoad, Measured, tableHeader, tableRow, verdict, warmUp } from './bench-utils';

const CONNECTIONS = 64;
const USERS = 64;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const ROUNDS = 2;

/**
 * What spend controls cost the consume hot path: POST /credits/consume at 64 connections spread over 64 users
 * with nothing set (the baseline) and over 64 users who each have low-balance thresholds, a daily usage limit
 * and auto top-up on (a card saved through a setup-mode Checkout; their balances stay far above the top-up
 * threshold, so the run measures the checks, not payments), best of alternating rounds on one app.
 */
export async function benchSpendControls(): Promise<string> {
  const t = await createTestApp({
    env: { THROTTLE_LIMIT: '1000000000', THROTTLE_AUTH_LIMIT: '1000000000', THROTTLE_TTL_MS: '1000' },
  });
  try {
    const admin = await registerUser(t, 'admin@tollgate.test');
    const pack = await catalogPrice(t, 'one_time', '100 Credits');
    const fund = (user: TestUser) =>
      t
        .http()
        .post(`/admin/users/${user.id}/grants`)
        .set({ ...admin.auth, 'Idempotency-Key': randomUUID() })
        .send({ amount: 1_000_000, bucket: 'purchased', reason: 'bench' })
        .expect(201);
    const plain: TestUser[] = [];
    const controlled: TestUser[] = [];
    for (let i = 0; i < USERS; i++) {
      const user = await registerUser(t);
      await fund(user);
      plain.push(user);
    }
    for (let i = 0; i < USERS; i++) {
      const user = await registerUser(t);
      await fund(user);
      const started = await t.http().post('/payments/payment-method/setup').set(user.auth).expect(200);
      const session = (started.body as { session_id: string }).session_id;
      await t.emulator.completeCheckout(session, { card: '4242424242424242' });
      controlled.push(user);
    }
    await settle(t);
    for (const user of controlled) {
      await t
        .http()
        .put(`/admin/users/${user.id}/spend-controls`)
        .set(admin.auth)
        .send({ low_balance_thresholds: [1000, 100], usage_limits: [{ credits: 900_000_000, per: 'day' }] })
        .expect(200);
      await t
        .http()
        .put('/credits/auto-top-up')
        .set(user.auth)
        .send({ enabled: true, threshold: 100, price_id: pack.priceId, max_per_month: 5 })
        .expect(200);
    }
    const load = (users: TestUser[]) => ({
      url: `${t.url}/credits/consume`,
      method: 'POST' as const,
      body: '{}',
      connections: CONNECTIONS,
      durationS: DURATION_S,
      requests: users.map((u) => ({ headers: { ...u.auth, 'content-type': 'application/json' } })),
    });
    await warmUp(load(plain));
    await warmUp(load(controlled));
    const runs: [Measured[], Measured[]] = [[], []];
    for (let round = 0; round < ROUNDS; round++) {
      runs[0].push(await httpLoad(`consume, ${USERS} users, no controls`, load(plain)));
      runs[1].push(await httpLoad(`consume, ${USERS} users, controls + auto top-up`, load(controlled)));
    }
    const [base, withControls] = runs.map((list) => list.reduce((a, b) => (b.rps > a.rps ? b : a)));
    const r = base.rps > 0 ? withControls.rps / base.rps : 0;
    return [
      `spend controls: ${CONNECTIONS} connections, ${DURATION_S} s per round, best of ${ROUNDS} alternating rounds; ` +
        `database: ${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded PGlite'}`,
      tableHeader(),
      tableRow(base),
      tableRow(withControls),
      '',
      `consume with controls + auto top-up / without: ${verdict(r.toFixed(2), '≥ 0.9', r >= 0.9)}`,
    ].join('\n');
  } finally {
    await t.close();
  }
}
