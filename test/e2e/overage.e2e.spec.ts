import { randomUUID } from 'node:crypto';
import { CreditsService } from '../../src/credits/credits.service';
import { LedgerService, type OveragePolicy } from '../../src/credits/ledger/ledger.service';
import { overagePolicy, overageSubscriber } from '../factories/overage.factory';
import { registerUser, TestUser } from '../factories/user.factory';
import { NO_OVERAGE } from '../support/credit-shapes';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * Overage: past the balance, a user whose billing period carries an overage policy goes on consuming up to the
 * period's cap — recorded as ledger rows in the `overage` bucket (never part of the balance, which stays >= 0)
 * with the price snapshot, each with its meter report written in the same statement; at the cap, 402
 * OVERAGE_CAP_REACHED and nothing moves.
 */
describe('overage past the balance (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  let ledger: LedgerService;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await registerUser(t, 'admin@tollgate.test');
    ledger = t.app.get(LedgerService);
  });
  afterAll(async () => t.close());

  const day = 86_400_000;
  const policy = (cap: number, over: Partial<OveragePolicy> = {}) => overagePolicy(cap, over);
  const subscriber = (credits: number, p: OveragePolicy | null) => overageSubscriber(t, admin, credits, p);
  const consume = (user: TestUser, amount: number, key?: string) => {
    const req = t.http().post('/credits/consume').set(user.auth);
    if (key) req.set('Idempotency-Key', key);
    return req.send({ amount });
  };
  const overageRows = (user: TestUser) =>
    t.dataSource.query<Array<{ amount: number; balance_after: number; metadata: Record<string, unknown> }>>(
      `SELECT amount, balance_after, metadata FROM credit_ledger WHERE user_id = $1 AND bucket = 'overage' ORDER BY id`,
      [user.id],
    );
  const reported = async (user: TestUser) =>
    (
      await t.dataSource.query<Array<{ n: number }>>(
        `SELECT COALESCE(sum(value), 0)::int AS n FROM credit_meter_reports WHERE user_id = $1`,
        [user.id],
      )
    )[0].n;

  it('takes the grants first, then the rest as overage: 200, the balance at 0, an overage row and its meter report', async () => {
    const user = await subscriber(5, policy(10));

    const res = await consume(user, 8).expect(200);

    expect(res.body).toMatchObject({ consumed: 8, credits_remaining: 0, purchased_credits: 0 });
    const rows = await overageRows(user);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ amount: -3, balance_after: 3 });
    expect(rows[0].metadata).toMatchObject({
      currency: 'usd',
      unit_amount_decimal: '0.02',
      event_name: 'tollgate_credits',
    });
    expect(await reported(user)).toBe(3);
    const balance = (await t.http().get('/credits').set(user.auth).expect(200)).body as {
      total_credits: number;
    };
    expect(balance.total_credits).toBe(0);
    expect(await t.app.get(CreditsService).verify()).toEqual([]);
  });

  it('stops at the cap with 402 OVERAGE_CAP_REACHED (nothing moves); the user’s own cap overrides the plan’s', async () => {
    const user = await subscriber(0, policy(10));
    await consume(user, 7).expect(200);
    await consume(user, 3).expect(200);
    const refused = await consume(user, 1).expect(402);
    expect(refused.body).toMatchObject({ code: 'OVERAGE_CAP_REACHED', cap: 10, used: 10, requested: 1 });
    expect(await overageRows(user)).toHaveLength(2);

    await t.dataSource.transaction((m) => ledger.setOverageCap(m, user.id, 12));
    await consume(user, 2).expect(200);
    await consume(user, 1).expect(402);
    expect(await reported(user)).toBe(12);
    expect(await t.app.get(CreditsService).verify()).toEqual([]);
  });

  it('a user without an overage policy, or past the period, stops at the balance with INSUFFICIENT_CREDITS', async () => {
    const plain = await subscriber(2, null);
    expect((await consume(plain, 3).expect(402)).body).toMatchObject({ code: 'INSUFFICIENT_CREDITS' });
    const lapsed = await subscriber(
      2,
      policy(100, {
        periodStart: new Date(Date.now() - 40 * day),
        periodEnd: new Date(Date.now() - 10 * day),
      }),
    );
    expect((await consume(lapsed, 3).expect(402)).body).toMatchObject({ code: 'INSUFFICIENT_CREDITS' });
    await consume(lapsed, 2).expect(200);
    expect([...(await overageRows(plain)), ...(await overageRows(lapsed))]).toEqual([]);
  });

  it('with an Idempotency-Key: past the balance in the key’s transaction; the retry replays, nothing doubles', async () => {
    const user = await subscriber(1, policy(50));
    const key = randomUUID();
    const first = await consume(user, 4, key).expect(200);
    const again = await consume(user, 4, key).expect(200);
    expect(again.body).toEqual(first.body);
    expect(await reported(user)).toBe(3);
    expect(await t.app.get(CreditsService).verify()).toEqual([]);
  });

  it('the usage statement prices the overage rows the consume wrote (Σ credits × unit_amount_decimal)', async () => {
    const user = await subscriber(1, policy(100, { unitAmountDecimal: '2.5' }));
    await consume(user, 3).expect(200);
    await consume(user, 3).expect(200);

    const statement = await t
      .http()
      .get('/credits/usage')
      .set(user.auth)
      .query({ group_by: 'reason' })
      .expect(200);

    // 1 from the grant, then 2 + 3 credits of overage at 2.5 cents each.
    expect(statement.body.overage).toMatchObject({ credits: 5, amount_due: 13, currency: 'usd' });
    expect(await reported(user)).toBe(5);
  });

  it('GET /credits shows the period’s overage — used, the cap in force, period_end, amount_due priced exactly — and the admin read the same', async () => {
    const p = policy(500, { unitAmountDecimal: '0.145' });
    const user = await subscriber(2, p);
    const overage = async () => (await t.http().get('/credits').set(user.auth).expect(200)).body.overage;
    const periodEnd = p.periodEnd.toISOString();
    expect(await overage()).toEqual({
      enabled: true,
      used: 0,
      cap: 500,
      period_end: periodEnd,
      amount_due: 0,
      currency: 'usd',
    });

    // 2 from the grant, 100 of overage at 0.145: 14.5 minor units, a half rounded up (in floats 14.4999…).
    await consume(user, 102).expect(200);
    await t.dataSource.transaction((m) => ledger.setOverageCap(m, user.id, 150));
    const shown = {
      enabled: true,
      used: 100,
      cap: 150,
      period_end: periodEnd,
      amount_due: 15,
      currency: 'usd',
    };
    expect(await overage()).toEqual(shown);
    const detail = await t.http().get(`/admin/users/${user.id}`).set(admin.auth).expect(200);
    expect(detail.body.credits.overage).toEqual(shown);

    // Its period over: not enabled (what it used is the past period's, billed then).
    await t.dataSource.transaction((m) =>
      ledger.setOveragePolicy(m, user.id, {
        ...p,
        periodStart: new Date(Date.now() - 40 * day),
        periodEnd: new Date(Date.now() - 10 * day),
      }),
    );
    expect(await overage()).toEqual(NO_OVERAGE);
    const plain = await subscriber(3, null);
    expect((await t.http().get('/credits').set(plain.auth).expect(200)).body.overage).toEqual(NO_OVERAGE);
  });

  it('1,000 concurrent consumes around the cap never pass it: exactly balance + cap served', async () => {
    const user = await subscriber(50, policy(100));

    const statuses = await Promise.all(
      Array.from({ length: 1000 }, async () => {
        const res = await fetch(`${t.url}/credits/consume`, {
          method: 'POST',
          headers: { ...user.auth, 'Content-Type': 'application/json' },
          body: '{}',
        });
        await res.arrayBuffer();
        return res.status;
      }),
    );

    expect(statuses.filter((s) => s === 200)).toHaveLength(150);
    expect(statuses.filter((s) => s === 402)).toHaveLength(850);
    const [row] = await t.dataSource.query<Array<{ overage_used: number; total: number }>>(
      `SELECT overage_used, monthly + purchased + promotional AS total FROM credit_balances WHERE user_id = $1`,
      [user.id],
    );
    expect(row).toEqual({ overage_used: 100, total: 0 });
    expect(await reported(user)).toBe(100);
    expect(await t.app.get(CreditsService).verify()).toEqual([]);
  });
});
