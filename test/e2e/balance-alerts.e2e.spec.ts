import type { EntityManager } from 'typeorm';
import { GrantsService } from '../../src/credits/grants.service';
import { registerUser, TestUser } from '../factories/user.factory';
import { createTestApp, TestApp } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';

/**
 * credits.low / credits.depleted come from ONE comparison of each ledger posting's balance before and after,
 * so every debit path raises them (consume on the hot path and with an Idempotency-Key, a refund's clawback,
 * period expiry, a subscription's end, a negative admin adjustment), and a renewal — the expiry and the new
 * allowance posted together — never raises a false one. Threshold 10 here.
 */
describe('balance alerts on every debit path (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  let grants: GrantsService;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    t = await createTestApp({ env: { OUTBOUND_CREDITS_LOW_THRESHOLD: '10', OUTBOUND_WORKER_INTERVAL_MS: '60000' } });
    admin = await registerUser(t, 'admin@tollgate.test');
    grants = t.app.get(GrantsService);
    await receiver.start();
    // An endpoint subscribed to the balance events: the consume hot path then records them in its transaction.
    await t
      .http()
      .post('/admin/webhook-endpoints')
      .set(admin.auth)
      .send({ url: receiver.url, events: ['credits.low', 'credits.depleted'] })
      .expect(201);
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  const inTx = <T>(work: (m: EntityManager) => Promise<T>) => t.dataSource.transaction(work);
  /** The balance events recorded for a user, oldest first, as [type, cause, before, after]. */
  const alerts = async (user: TestUser) => {
    const rows: Array<{ type: string; payload: { data: Record<string, unknown> } }> = await t.dataSource.query(
      `SELECT type, payload FROM outbound_events WHERE user_id = $1 AND type IN ('credits.low', 'credits.depleted')
        ORDER BY sequence`,
      [user.id],
    );
    return rows.map((r) => [r.type, r.payload.data.cause, r.payload.data.total_credits_before, r.payload.data.total_credits]);
  };
  const give = (user: TestUser, amount: number) =>
    t
      .http()
      .post(`/admin/users/${user.id}/credits`)
      .set(admin.auth)
      .send({ amount, bucket: 'purchased', reason: 'test grant' })
      .expect(201);
  const period = (user: TestUser, sub: string, day: number, allowance: number) =>
    inTx((m) =>
      grants.startPeriod(m, {
        userId: user.id,
        subscriptionId: sub,
        periodStart: new Date(Date.UTC(2026, 0, day)),
        allowance,
      }),
    );

  it('a consume on the hot path', async () => {
    const user = await registerUser(t);
    await give(user, 20);
    await t.http().post('/credits/consume').set(user.auth).send({ amount: 15, reason: 'job' }).expect(200);
    expect(await alerts(user)).toEqual([['credits.low', 'consume', 20, 5]]);
  });

  it('a consume with an Idempotency-Key, once however often it is retried', async () => {
    const user = await registerUser(t);
    await give(user, 20);
    for (let i = 0; i < 2; i++)
      await t
        .http()
        .post('/credits/consume')
        .set(user.auth)
        .set('Idempotency-Key', 'job-1')
        .send({ amount: 20, reason: 'job' })
        .expect(200);
    expect(await alerts(user)).toEqual([
      ['credits.low', 'consume', 20, 0],
      ['credits.depleted', 'consume', 20, 0],
    ]);
  });

  it('a refund clawback', async () => {
    const user = await registerUser(t);
    await give(user, 20);
    await inTx((m) =>
      grants.clawback(m, {
        userId: user.id,
        requested: 15,
        reason: 'refund_clawback',
        key: `refund:ch_${user.id}:15`,
        sourceType: 'charge',
        sourceId: `ch_${user.id}`,
      }),
    );
    expect(await alerts(user)).toEqual([['credits.low', 'refund_clawback', 20, 5]]);
  });

  it('period expiry: a renewal with a smaller allowance', async () => {
    const user = await registerUser(t);
    await period(user, `sub_small_${user.id}`, 1, 50);
    await period(user, `sub_small_${user.id}`, 31, 5);
    expect(await alerts(user)).toEqual([['credits.low', 'period_expiry', 50, 5]]);
  });

  it("a subscription's end", async () => {
    const user = await registerUser(t);
    await period(user, `sub_end_${user.id}`, 1, 50);
    await inTx((m) => grants.endSubscription(m, { userId: user.id, subscriptionId: `sub_end_${user.id}` }));
    expect(await alerts(user)).toEqual([
      ['credits.low', 'subscription_ended', 50, 0],
      ['credits.depleted', 'subscription_ended', 50, 0],
    ]);
  });

  it('a negative admin adjustment', async () => {
    const user = await registerUser(t);
    await give(user, 50);
    await give(user, -45);
    expect(await alerts(user)).toEqual([['credits.low', 'admin_adjustment', 50, 5]]);
  });

  it('never on a renewal: the expiry and the new allowance are one posting, full or nearly spent', async () => {
    const user = await registerUser(t);
    const sub = `sub_renew_${user.id}`;
    await period(user, sub, 1, 50);
    await period(user, sub, 31, 50); // 50 expire, 50 granted: never "0" in between
    await t.http().post('/credits/consume').set(user.auth).send({ amount: 45, reason: 'job' }).expect(200);
    await period(user, sub, 62, 50); // 5 → 50: a rise
    expect(await alerts(user)).toEqual([['credits.low', 'consume', 50, 5]]);
    const [{ reasons }]: Array<{ reasons: string[] }> = await t.dataSource.query(
      `SELECT array_agg(reason ORDER BY id) AS reasons FROM credit_ledger WHERE user_id = $1`,
      [user.id],
    );
    expect(reasons).toEqual([
      'subscription_grant',
      'period_expiry',
      'period_reset',
      'consume',
      'period_expiry',
      'period_reset',
    ]);
  });
});
