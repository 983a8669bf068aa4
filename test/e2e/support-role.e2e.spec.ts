import { UsersService } from '../../src/users/users.service';
import { registerUser, TestUser } from '../factories/user.factory';
import { credits } from '../support/stripe-helpers';
import { createTestApp, TestApp } from '../support/test-app';

const LIMIT = 100;

/** `support` reads every operator view and gives promotional credits up to a limit; no refunds, no keys. */
describe('support role (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  let support: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ env: { CONSOLE_SUPPORT_GRANT_LIMIT: String(LIMIT) } });
    admin = await registerUser(t, 'admin@tollgate.test');
    support = await registerUser(t);
    expect(await t.app.get(UsersService).setRole(support.email, 'support')).toBe(true);
  });
  afterAll(async () => t.close());

  const promo = (caller: TestUser, ref: string, amount: number) =>
    t
      .http()
      .post(`/admin/users/${ref}/promotional-credits`)
      .set(caller.auth)
      .send({ amount, reason: 'ticket #4411' });

  it('reads users, ledgers, the inbox, endpoints and the audit log', async () => {
    const customer = await registerUser(t);
    const found = (
      await t.http().get('/admin/users').query({ q: customer.email }).set(support.auth).expect(200)
    ).body;
    expect(found.users.map((u: { id: string }) => u.id)).toEqual([customer.id]);
    await t.http().get(`/admin/users/${customer.id}`).set(support.auth).expect(200);
    await t.http().get(`/admin/users/${customer.id}/ledger`).set(support.auth).expect(200);
    await t.http().get('/admin/webhook-events').set(support.auth).expect(200);
    await t.http().get('/admin/webhook-endpoints').set(support.auth).expect(200);
    await t.http().get('/admin/audit-log').set(support.auth).expect(200);
    const me = (await t.http().get('/auth/me').set(support.auth).expect(200)).body;
    expect(me.role).toBe('support');
  });

  it('grants promotional credits within the limit, is refused above it, and the grant is audited', async () => {
    const customer = await registerUser(t);
    expect((await promo(support, customer.id, LIMIT).expect(201)).body).toMatchObject({
      promotional_credits: LIMIT,
    });
    const refused = await promo(support, customer.id, LIMIT + 1).expect(403);
    expect(refused.body).toMatchObject({ code: 'GRANT_LIMIT_EXCEEDED', limit: LIMIT });
    expect(await credits(t, customer)).toMatchObject({ promotional_credits: LIMIT });
    // An admin has no such limit.
    await promo(admin, customer.id, LIMIT * 10).expect(201);
    expect(await credits(t, customer)).toMatchObject({ promotional_credits: LIMIT * 11 });

    const ledger = (await t.http().get(`/admin/users/${customer.id}/ledger`).set(support.auth).expect(200))
      .body;
    expect(ledger.entries.map((e: { amount: number; reason: string }) => [e.amount, e.reason])).toEqual([
      [LIMIT * 10, 'grant'],
      [LIMIT, 'grant'],
    ]);
    const audit = (
      await t.http().get('/admin/audit-log').query({ actor_id: support.id }).set(admin.auth).expect(200)
    ).body;
    expect(audit.entries).toEqual([
      expect.objectContaining({
        actor: { type: 'user', id: support.id, label: support.email },
        action: 'POST /admin/users/:ref/promotional-credits',
        target: { ref: customer.id },
        reason: 'ticket #4411',
        status: 201,
      }),
    ]);
  });

  it('cannot adjust credits freely, manage API keys, upsert users or run Stripe operations', async () => {
    const customer = await registerUser(t);
    const refusals = [
      t
        .http()
        .post(`/admin/users/${customer.id}/credits`)
        .set(support.auth)
        .send({ amount: -1, bucket: 'purchased', reason: 'claw back' }),
      t.http().get('/admin/api-keys').set(support.auth),
      t
        .http()
        .post('/admin/api-keys')
        .set(support.auth)
        .send({ name: 'x', scopes: ['credits:read'] }),
      t.http().put('/users/someone').set(support.auth).send({}),
      t.http().post('/admin/stripe/reconcile').set(support.auth).send({}),
      t.http().post('/admin/catalog/sync').set(support.auth).send({}),
      t
        .http()
        .post('/admin/webhook-endpoints')
        .set(support.auth)
        .send({ url: 'https://example.com', events: [] }),
    ];
    const answers = (await Promise.all(refusals)).map((res, i) => ({
      i,
      status: res.status,
      code: res.body.code,
    }));
    expect(answers).toEqual(refusals.map((_, i) => ({ i, status: 403, code: 'FORBIDDEN' })));
  });

  it('a user token opens no operator route; a demoted support user loses access at once', async () => {
    const user = await registerUser(t);
    for (const path of [
      '/admin/users?q=x',
      `/admin/users/${user.id}`,
      '/admin/webhook-events',
      '/admin/audit-log',
    ]) {
      expect((await t.http().get(path).set(user.auth).expect(403)).body.code).toBe('FORBIDDEN');
    }
    expect((await promo(user, user.id, 1).expect(403)).body.code).toBe('FORBIDDEN');
    const former = await registerUser(t);
    const users = t.app.get(UsersService);
    await users.setRole(former.email, 'support');
    await t.http().get('/admin/audit-log').set(former.auth).expect(200);
    await users.setRole(former.email, 'user');
    await t.http().get('/admin/audit-log').set(former.auth).expect(403);
  });
});
