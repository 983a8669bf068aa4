import { randomUUID } from 'node:crypto';
import { CreditsService } from '../../src/credits/credits.service';
import { registerUser, TestUser } from '../factories/user.factory';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * Usage limits (spend controls): at most N credits per UTC calendar hour, day or month, checked inside the
 * consume and hold statements against counters on the balance row they lock — exact under concurrency. A hold
 * counts when placed and its unused part returns to the window; past the limit, 402 USAGE_LIMIT_REACHED with
 * the limit, what was used and when it resets, and nothing spent.
 */
describe('usage limits (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await registerUser(t, 'admin@tollgate.test');
  });
  afterAll(async () => t.close());

  const limited = async (limits: Array<{ credits: number; per: string }>, funds = 1000) => {
    const user = await registerUser(t);
    await t
      .http()
      .post(`/admin/users/${user.id}/grants`)
      .set(admin.auth)
      .set('Idempotency-Key', randomUUID())
      .send({ amount: funds, bucket: 'purchased', reason: 'limits test' })
      .expect(201);
    await t
      .http()
      .put(`/admin/users/${user.id}/spend-controls`)
      .set(admin.auth)
      .send({ usage_limits: limits })
      .expect(200);
    return user;
  };
  const consume = (user: TestUser, amount: number) =>
    t.http().post('/credits/consume').set(user.auth).send({ amount });
  const total = async (user: TestUser) =>
    ((await t.http().get('/credits').set(user.auth).expect(200)).body as { total_credits: number })
      .total_credits;

  it('refuses a consume past the daily limit with USAGE_LIMIT_REACHED, the limit, the usage and the reset', async () => {
    const user = await limited([{ credits: 5, per: 'day' }]);
    await consume(user, 3).expect(200);
    const refused = await consume(user, 3).expect(402);
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect(refused.body).toMatchObject({
      code: 'USAGE_LIMIT_REACHED',
      limit: 5,
      per: 'day',
      used: 3,
      resets_at: midnight.toISOString(),
    });
    await consume(user, 2).expect(200);
    expect((await consume(user, 1).expect(402)).body).toMatchObject({ code: 'USAGE_LIMIT_REACHED', used: 5 });
    expect(await total(user)).toBe(995);
    // Without limits, the same user-shaped request is only bounded by the balance.
    const free = await limited([]);
    await consume(free, 600).expect(200);
    expect(await t.app.get(CreditsService).verify()).toEqual([]);
  });

  it('is exact under concurrency: 200 consumes at a limit of 50 per hour spend exactly 50', async () => {
    const user = await limited([
      { credits: 50, per: 'hour' },
      { credits: 500, per: 'month' },
    ]);
    const statuses = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const res = await fetch(`${t.url}/credits/consume`, {
          method: 'POST',
          headers: { ...user.auth, 'Content-Type': 'application/json' },
          body: '{}',
        });
        const body = (await res.json()) as { code?: string };
        return res.status === 200 ? 'ok' : body.code;
      }),
    );
    expect(statuses.filter((s) => s === 'ok')).toHaveLength(50);
    expect(statuses.filter((s) => s === 'USAGE_LIMIT_REACHED')).toHaveLength(150);
    expect(await total(user)).toBe(950);
  });

  it('counts a hold when placed and gives its unused part back to the window when captured', async () => {
    const user = await limited([{ credits: 10, per: 'hour' }]);
    const hold = await t
      .http()
      .post('/credits/holds')
      .set(user.auth)
      .set('Idempotency-Key', randomUUID())
      .send({ amount: 8 })
      .expect(201);
    expect((await consume(user, 3).expect(402)).body).toMatchObject({ code: 'USAGE_LIMIT_REACHED', used: 8 });
    await t
      .http()
      .post(`/credits/holds/${hold.body.hold_id}/capture`)
      .set(user.auth)
      .send({ amount: 5 })
      .expect(200);
    await consume(user, 3).expect(200); // 5 captured + 3
    expect((await consume(user, 3).expect(402)).body).toMatchObject({ code: 'USAGE_LIMIT_REACHED', used: 8 });
    const over = await t
      .http()
      .post('/credits/holds')
      .set(user.auth)
      .set('Idempotency-Key', randomUUID())
      .send({ amount: 3 })
      .expect(402);
    expect(over.body).toMatchObject({ code: 'USAGE_LIMIT_REACHED' });
    expect(await total(user)).toBe(992);
    expect(await t.app.get(CreditsService).verify()).toEqual([]);
  });
});
