import { createHash } from 'node:crypto';
import { createApiKey } from '../factories/api-key.factory';
import { registerUser, TestUser } from '../factories/user.factory';
import { catalogPrice } from '../support/stripe-helpers';
import { createTestApp, TestApp, waitFor } from '../support/test-app';
import { NO_OVERAGE } from '../support/credit-shapes';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('API keys: the host backend acting for its users (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;

  const createKey = (scopes: string[]) => createApiKey(t, admin, scopes);
  const asUser = (key: string, externalId: string) => ({ ...bearer(key), 'X-Tollgate-User': externalId });

  beforeAll(async () => {
    t = await createTestApp();
    admin = await registerUser(t, 'admin@tollgate.test');
  });
  afterAll(async () => {
    await t.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await t.close();
  });

  it('shows the secret once, stores only its SHA-256, lists the prefix and the last use', async () => {
    const key = await createKey(['users:write']);
    expect(key.secret).toMatch(/^tg_[A-Za-z0-9_-]{43}$/);
    expect(key.secret.startsWith(key.prefix)).toBe(true);
    const [row] = await t.dataSource.query('SELECT key_hash FROM api_keys WHERE id = $1', [key.id]);
    expect(row.key_hash).toBe(createHash('sha256').update(key.secret).digest('hex'));
    const dump = JSON.stringify(await t.dataSource.query('SELECT * FROM api_keys'));
    expect(dump).not.toContain(key.secret);

    const listed = () => t.http().get('/admin/api-keys').set(admin.auth).expect(200);
    const before = ((await listed()).body.api_keys as Array<Record<string, unknown>>).find(
      (k) => k.id === key.id,
    )!;
    expect(before).toMatchObject({
      prefix: key.prefix,
      scopes: ['users:write'],
      last_used_at: null,
      revoked_at: null,
    });
    expect(before).not.toHaveProperty('secret');
    await t.http().put('/users/ext-list').set(bearer(key.secret)).send({}).expect(200);
    await waitFor(
      async () =>
        ((await listed()).body.api_keys as Array<{ id: string; last_used_at: string | null }>).find(
          (k) => k.id === key.id,
        )?.last_used_at,
      'last_used_at to be recorded',
    );
  });

  it('only admins manage keys, and keys cannot manage keys or read admin routes', async () => {
    const user = await registerUser(t);
    await t
      .http()
      .post('/admin/api-keys')
      .set(user.auth)
      .send({ name: 'x', scopes: ['credits:read'] })
      .expect(403);
    const bad = await t
      .http()
      .post('/admin/api-keys')
      .set(admin.auth)
      .send({ name: 'x', scopes: ['root'] })
      .expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    const key = await createKey(['credits:read', 'users:write', 'credits:consume', 'checkout:create']);
    for (const [method, path] of [
      ['get', '/admin/api-keys'],
      ['get', '/admin/users?email=a@example.com'],
      ['get', '/admin/webhook-events'],
      ['get', '/auth/me'],
    ] as const) {
      const res = await t.http()[method](path).set(asUser(key.secret, 'anyone')).expect(403);
      expect(res.body.code).toBe('API_KEY_SCOPE_MISSING');
    }
  });

  it('upserts users with PUT /users/{external_id} and acts for them; an unknown id is 404 until created', async () => {
    const key = await createKey(['users:write', 'credits:read']);
    const missing = await t.http().get('/credits').set(asUser(key.secret, 'ext-new')).expect(404);
    expect(missing.body.code).toBe('USER_NOT_FOUND');
    const created = await t
      .http()
      .put('/users/ext-new')
      .set(bearer(key.secret))
      .send({ email: 'New@Example.com', metadata: { org: 'o1' } })
      .expect(200);
    expect(created.body).toMatchObject({
      external_id: 'ext-new',
      external_issuer: 'tollgate:api-key',
      email: 'new@example.com',
      metadata: { org: 'o1' },
    });
    const updated = await t
      .http()
      .put('/users/ext-new')
      .set(bearer(key.secret))
      .send({ metadata: { org: 'o2' } });
    expect(updated.body).toMatchObject({
      id: created.body.id,
      email: 'new@example.com',
      metadata: { org: 'o2' },
    });
    const credits = await t.http().get('/credits').set(asUser(key.secret, 'ext-new')).expect(200);
    expect(credits.body).toEqual({ monthly_credits: 0, purchased_credits: 0, promotional_credits: 0, total_credits: 0, held_credits: 0, expiring: [], overage: NO_OVERAGE });
    const noUser = await t.http().get('/credits').set(bearer(key.secret)).expect(400);
    expect(noUser.body.code).toBe('API_KEY_USER_REQUIRED');
    const detail = await t.http().get('/admin/users/ext-new').set(admin.auth).expect(200);
    expect(detail.body.user).toMatchObject({ id: created.body.id, metadata: { org: 'o2' } });
    // An admin's token may upsert as well; a user's may not.
    await t.http().put('/users/ext-admin').set(admin.auth).send({}).expect(200);
    const user = await registerUser(t);
    await t.http().put('/users/ext-user').set(user.auth).send({}).expect(403);
  });

  it('answers 403 API_KEY_SCOPE_MISSING for a route outside the key’s scopes', async () => {
    const writer = await createKey(['users:write']);
    await t.http().put('/users/ext-scoped').set(bearer(writer.secret)).send({}).expect(200);
    const reader = await createKey(['credits:read']);
    const consume = await t
      .http()
      .post('/credits/consume')
      .set(asUser(reader.secret, 'ext-scoped'))
      .send({ amount: 1, reason: 'try' })
      .expect(403);
    expect(consume.body).toMatchObject({
      code: 'API_KEY_SCOPE_MISSING',
      message: expect.stringContaining('credits:consume'),
    });
    expect(
      (await t.http().put('/users/ext-scoped').set(bearer(reader.secret)).send({}).expect(403)).body.code,
    ).toBe('API_KEY_SCOPE_MISSING');
  });

  it('answers 401 API_KEY_INVALID for revoked, unknown and malformed keys', async () => {
    const key = await createKey(['users:write']);
    await t.http().put('/users/ext-revoke').set(bearer(key.secret)).send({}).expect(200);
    const revoked = await t.http().delete(`/admin/api-keys/${key.id}`).set(admin.auth).expect(200);
    expect(revoked.body.revoked_at).toEqual(expect.any(String));
    for (const secret of [key.secret, `tg_${'A'.repeat(43)}`, 'tg_short']) {
      const res = await t.http().put('/users/ext-revoke').set(bearer(secret)).send({}).expect(401);
      expect(res.body.code).toBe('API_KEY_INVALID');
    }
    await t.http().delete('/admin/api-keys/00000000-0000-4000-8000-000000000000').set(admin.auth).expect(404);
  });

  it('never lets a key act for a local account, whose id is not an external id (BOLA)', async () => {
    const local = await registerUser(t);
    const key = await createKey(['credits:read']);
    const res = await t.http().get('/credits').set(asUser(key.secret, local.id)).expect(404);
    expect(res.body.code).toBe('USER_NOT_FOUND');
  });

  it('buys credits for a user with an API key: checkout → webhook → credits, then consumes them', async () => {
    const key = await createKey(['users:write', 'checkout:create', 'credits:read', 'credits:consume']);
    await t
      .http()
      .put('/users/ext-buyer')
      .set(bearer(key.secret))
      .send({ email: 'buyer@example.com' })
      .expect(200);
    const pack = await catalogPrice(t, 'one_time', '100 Credits');
    const created = await t
      .http()
      .post('/payments/create-checkout-session-onetime')
      .set(asUser(key.secret, 'ext-buyer'))
      .send({ price_id: pack.priceId, product_id: pack.productId })
      .expect(200);
    expect(await t.emulator.completeCheckout((created.body as { session_id: string }).session_id)).toEqual({
      ok: true,
    });
    await waitFor(
      async () =>
        (await t.http().get('/credits').set(asUser(key.secret, 'ext-buyer')).expect(200)).body
          .total_credits === 100,
      'the webhook to grant the credits',
    );
    const spent = await t
      .http()
      .post('/credits/consume')
      .set(asUser(key.secret, 'ext-buyer'))
      .set('Idempotency-Key', 'job-1')
      .send({ amount: 10, reason: 'api call' })
      .expect(200);
    expect(spent.body).toMatchObject({ consumed: 10, credits_remaining: 90 });
  });
});

describe('API keys: their own throttle tier (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { THROTTLE_API_KEY_LIMIT: '3' } });
  });
  afterAll(async () => t.close());

  it('limits API-key traffic per key with THROTTLE_API_KEY_LIMIT, not browsers', async () => {
    const admin = await registerUser(t, 'admin@tollgate.test');
    const mk = async () => (await createApiKey(t, admin, ['users:write'], 'k')).secret;
    const [a, b] = [await mk(), await mk()];
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await t.http().put(`/users/u${i}`).set(bearer(a)).send({})).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    await t.http().put('/users/other').set(bearer(b)).send({}).expect(200);
    for (let i = 0; i < 4; i++) await t.http().put(`/users/admin${i}`).set(admin.auth).send({}).expect(200);
  });
});
