import { randomUUID } from 'node:crypto';
import { LedgerService, type OveragePolicy } from '../../src/credits/ledger/ledger.service';
import { overagePolicy, overageSubscriber } from '../factories/overage.factory';
import { registerUser, TestUser } from '../factories/user.factory';
import { createTestApp, TestApp, waitFor } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';

const ENV = {
  OUTBOUND_WORKER_INTERVAL_MS: '50',
  OUTBOUND_RETRY_SCHEDULE_MS: '50,50,50',
  OUTBOUND_LEASE_MS: '5000',
};

const TYPES = ['usage.overage_started', 'usage.cap_reached'];

/**
 * usage.overage_started and usage.cap_reached: each once per user and billing period, from the consumes that go
 * past the balance on an overage plan — however many race, whichever path they take (the shared statement, an
 * Idempotency-Key's own transaction), and again once a new period starts. Delivered to a real receiver.
 */
describe('overage outbound events (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  let ledger: LedgerService;
  let r: WebhookReceiver;

  const policy = (cap: number, startDaysAgo = 1) => overagePolicy(cap, {}, startDaysAgo);
  const subscriber = (credits: number, p: OveragePolicy) => overageSubscriber(t, admin, credits, p);
  const consume = async (user: TestUser, amount = 1, key?: string) => {
    const res = await fetch(`${t.url}/credits/consume`, {
      method: 'POST',
      headers: {
        ...user.auth,
        'Content-Type': 'application/json',
        ...(key ? { 'Idempotency-Key': key } : {}),
      },
      body: JSON.stringify({ amount }),
    });
    await res.arrayBuffer();
    return res.status;
  };
  const concurrently = (n: number, run: (i: number) => Promise<number>) =>
    Promise.all(Array.from({ length: n }, (_, i) => run(i)));
  const drained = () =>
    waitFor(async () => {
      const [row]: Array<{ n: number }> = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM outbound_deliveries WHERE status <> 'succeeded'`,
      );
      return row.n === 0;
    }, 'outbox drained');
  const of = (user: TestUser, type: string) =>
    r.ofType(type).filter((d) => d.payload.user_id === user.id);

  beforeAll(async () => {
    t = await createTestApp({ env: ENV });
    admin = await registerUser(t, 'admin@tollgate.test');
    ledger = t.app.get(LedgerService);
    r = await new WebhookReceiver().start();
  });
  afterAll(async () => {
    await t.close();
    await r.stop();
  });

  // First: no endpoint yet, so consumes run without a transaction and record no consumption event.
  it('a period that went into overage before anyone subscribed raises usage.overage_started with the first overage consume after', async () => {
    const user = await subscriber(0, policy(100));
    expect(await consume(user, 2)).toBe(200);
    const claims = () =>
      t.dataSource.query<Array<{ type: string }>>(
        `SELECT type FROM outbound_event_claims WHERE user_id = $1 ORDER BY type`,
        [user.id],
      );
    expect(await claims()).toEqual([]);

    const res = await t.http().post('/admin/webhook-endpoints').set(admin.auth).send({ url: r.url, events: TYPES });
    expect(res.status).toBe(201);
    r.secrets = [(res.body as { secret: string }).secret];
    expect(await consume(user, 3)).toBe(200);
    expect(await consume(user, 1)).toBe(200);
    await waitFor(() => of(user, 'usage.overage_started').length > 0, 'usage.overage_started');
    await drained();

    const started = of(user, 'usage.overage_started');
    expect(started).toHaveLength(1);
    expect(started[0].verifiedWith).toEqual(r.secrets);
    expect(started[0].payload.data).toMatchObject({ overage_credits: 3, overage_used: 5, cap: 100 });
    expect(await claims()).toEqual([{ type: 'usage.overage_started' }]);
  });

  it('20 concurrent consumes crossing into overage and up to the cap: exactly one of each event, with its payload', async () => {
    const p = policy(10);
    const user = await subscriber(5, p);

    // 5 from the grant, then 10 of overage, then refused at the cap: half of them with an Idempotency-Key
    // (their own transaction), half on the shared statement.
    const statuses = await concurrently(20, (i) => consume(user, 1, i % 2 ? randomUUID() : undefined));
    expect(statuses.filter((s) => s === 200)).toHaveLength(15);
    expect(statuses.filter((s) => s === 402)).toHaveLength(5);
    expect(await consume(user, 1)).toBe(402);
    await waitFor(
      () => of(user, 'usage.overage_started').length > 0 && of(user, 'usage.cap_reached').length > 0,
      'both events',
    );
    await drained();

    const [started] = of(user, 'usage.overage_started');
    const [capped] = of(user, 'usage.cap_reached');
    expect(of(user, 'usage.overage_started')).toHaveLength(1);
    expect(of(user, 'usage.cap_reached')).toHaveLength(1);
    expect(started.payload.data).toEqual({
      operation: expect.any(String),
      reason: 'consume',
      overage_credits: 1,
      overage_used: 1,
      cap: 10,
      period_start: p.periodStart.toISOString(),
      period_end: p.periodEnd.toISOString(),
    });
    expect(capped.payload.data).toMatchObject({ overage_credits: 1, overage_used: 10, cap: 10 });
    expect(capped.payload.sequence!).toBeGreaterThan(started.payload.sequence!);
  });

  it('one consume past the balance straight to the cap raises both; a retried key raises nothing more', async () => {
    const user = await subscriber(2, policy(6));
    const key = randomUUID();
    expect(await consume(user, 8, key)).toBe(200);
    expect(await consume(user, 8, key)).toBe(200);
    await waitFor(() => of(user, 'usage.cap_reached').length > 0, 'usage.cap_reached');
    await drained();

    expect(of(user, 'usage.overage_started')).toHaveLength(1);
    expect(of(user, 'usage.cap_reached')).toHaveLength(1);
    expect(of(user, 'usage.cap_reached')[0].payload.data).toMatchObject({
      overage_credits: 6,
      overage_used: 6,
      cap: 6,
    });
  });

  it('a new billing period (a later period start) raises them again, once each; the same period again does not', async () => {
    const first = policy(4, 31);
    const user = await subscriber(0, first);
    expect((await concurrently(6, () => consume(user))).filter((s) => s === 200)).toHaveLength(4);
    // The same period set again (a repeated event) keeps its count and its claims.
    await t.dataSource.transaction((m) => ledger.setOveragePolicy(m, user.id, first));
    expect(await consume(user)).toBe(402);
    await waitFor(() => of(user, 'usage.cap_reached').length > 0, 'first period');

    const next = policy(4, 1);
    await t.dataSource.transaction((m) => ledger.setOveragePolicy(m, user.id, next));
    expect((await concurrently(20, () => consume(user))).filter((s) => s === 200)).toHaveLength(4);
    await waitFor(() => of(user, 'usage.cap_reached').length > 1, 'second period');
    await drained();

    const periods = (type: string) => of(user, type).map((d) => d.payload.data.period_start);
    expect(periods('usage.overage_started')).toHaveLength(2);
    expect(periods('usage.cap_reached')).toHaveLength(2);
    expect(periods('usage.overage_started')[1]).toBe(next.periodStart.toISOString());
    expect(periods('usage.cap_reached')[1]).toBe(next.periodStart.toISOString());
    expect(new Set(periods('usage.overage_started')).size).toBe(2);
  });
});
