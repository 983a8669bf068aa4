import { createApiKey } from '../factories/api-key.factory';
import { registerUser, TestUser } from '../factories/user.factory';
import { createTestApp, TestApp } from '../support/test-app';

const statusCounts = (statuses: number[]) =>
  statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

describe('spending credits has its own rate-limit tier, THROTTLE_CONSUME_LIMIT (e2e)', () => {
  describe('at the default limits', () => {
    let t: TestApp;
    let admin: TestUser;
    beforeAll(async () => {
      // The shipped defaults for everything a consume touches (the test app raises them otherwise).
      t = await createTestApp({ env: { THROTTLE_LIMIT: '120', THROTTLE_API_KEY_LIMIT: '6000' } });
      admin = await registerUser(t, 'admin@tollgate.test');
    }, 120_000);
    afterAll(async () => t?.close());

    it('lets one user spend 1,000 credits in 1,000 concurrent consumes: no 429, every credit spent once', async () => {
      const user = await registerUser(t);
      await t
        .http()
        .post(`/admin/users/${user.id}/credits`)
        .set(admin.auth)
        .send({ amount: 1000, bucket: 'purchased', reason: 'metering' })
        .expect(201);
      const statuses = await Promise.all(
        Array.from(
          { length: 1000 },
          async () =>
            (await t.http().post('/credits/consume').set(user.auth).send({ amount: 1, reason: 'meter' }))
              .status,
        ),
      );
      expect(statusCounts(statuses)).toEqual({ 200: 1000 });
      const credits = await t.http().get('/credits').set(user.auth).expect(200);
      expect(credits.body.total_credits).toBe(0);
    }, 180_000);

    it('keeps the default tier on other routes (THROTTLE_LIMIT, 120 a minute per user)', async () => {
      const user = await registerUser(t);
      const statuses: number[] = [];
      for (let i = 0; i < 121; i++) statuses.push((await t.http().get('/credits').set(user.auth)).status);
      expect(statusCounts(statuses)).toEqual({ 200: 120, 429: 1 });
    });
  });

  describe('with THROTTLE_CONSUME_LIMIT=3', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { THROTTLE_CONSUME_LIMIT: '3' } });
    }, 120_000);
    afterAll(async () => t?.close());

    it('counts consumes per user and per API key against it, and only consumes', async () => {
      const admin = await registerUser(t, 'admin@tollgate.test');
      const user = await registerUser(t);
      await t
        .http()
        .post(`/admin/users/${user.id}/credits`)
        .set(admin.auth)
        .send({ amount: 100, bucket: 'purchased', reason: 'metering' })
        .expect(201);
      const consume = (auth: Record<string, string>) =>
        t.http().post('/credits/consume').set(auth).send({ amount: 1, reason: 'meter' });
      const byUser: number[] = [];
      for (let i = 0; i < 4; i++) byUser.push((await consume(user.auth)).status);
      expect(byUser).toEqual([200, 200, 200, 429]);
      // An API key has a count of its own in the same tier (402: the user it acts for has no credits).
      const key = (await createApiKey(t, admin, ['credits:consume'], 'meter')).secret;
      await t.http().put('/users/ext-meter').set(admin.auth).send({}).expect(200);
      const keyAuth = { Authorization: `Bearer ${key}`, 'X-Tollgate-User': 'ext-meter' };
      const byKey: number[] = [];
      for (let i = 0; i < 4; i++) byKey.push((await consume(keyAuth)).status);
      expect(byKey).toEqual([402, 402, 402, 429]);
      // Other routes keep their tier.
      await t.http().get('/credits').set(user.auth).expect(200);
    });
  });
});
