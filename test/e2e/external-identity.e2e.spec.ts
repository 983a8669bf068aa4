import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { UsersService } from '../../src/users/users.service';
import { createApiKey } from '../factories/api-key.factory';
import { registerUser, TestUser } from '../factories/user.factory';
import { TestIdentityProvider } from '../support/jwks-server';
import { catalogPrice } from '../support/stripe-helpers';
import { createTestApp, TestApp, waitFor } from '../support/test-app';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const sub = () => `user_${randomBytes(6).toString('hex')}`;

describe('external identity: tokens from the host app’s IdP (e2e)', () => {
  const idp = new TestIdentityProvider();
  let t: TestApp;
  let admin: TestUser;

  const me = (token: string) => t.http().get('/auth/me').set(bearer(token));
  const code = async (token: string) => (await me(token).expect(401)).body.code as string;

  beforeAll(async () => {
    await idp.start();
    await idp.addKey('rsa-1', 'RS256');
    await idp.addKey('ec-1', 'ES256');
    await idp.addKey('ed-1', 'EdDSA');
    // No AUTH_JWKS_URL: the key set is found through OIDC discovery at the issuer.
    t = await createTestApp({
      env: {
        AUTH_ISSUER: idp.issuer,
        AUTH_AUDIENCE: 'tollgate-api',
        AUTH_CLOCK_TOLERANCE_SECONDS: '5',
      },
    });
    admin = await registerUser(t, 'admin@tollgate.test');
  });
  afterAll(async () => {
    await t.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await t.close();
    await idp.stop();
  });

  it('provisions a user on first sight from RS256, ES256 and EdDSA tokens, keyed by (issuer, subject)', async () => {
    for (const kid of ['rsa-1', 'ec-1', 'ed-1']) {
      const id = sub();
      const token = await idp.sign(kid, { sub: id, email: `${id}@Example.com` });
      const first = (await me(token).expect(200)).body;
      expect(first).toMatchObject({ external_id: id, email: `${id}@example.com`, role: 'user' });
      // Same subject, new token: the same user, no second row.
      const again = (await me(await idp.sign(kid, { sub: id })).expect(200)).body;
      expect(again.id).toBe(first.id);
      const rows = await t.dataSource.query(
        'SELECT external_issuer, password_hash FROM users WHERE external_id = $1',
        [id],
      );
      expect(rows).toEqual([{ external_issuer: idp.issuer, password_hash: null }]);
    }
  });

  it('rejects a wrong issuer, a wrong audience, an expired, a not-yet-valid and an exp-less token', async () => {
    expect(await code(await idp.sign('rsa-1', { iss: 'https://evil.example.com' }))).toBe(
      'AUTH_TOKEN_INVALID',
    );
    expect(await code(await idp.sign('rsa-1', { aud: 'another-api' }))).toBe('AUTH_TOKEN_INVALID');
    expect(await code(await idp.sign('rsa-1', {}, { expiresIn: -60 }))).toBe('AUTH_TOKEN_EXPIRED');
    expect(await code(await idp.sign('rsa-1', {}, { notBefore: 120 }))).toBe('AUTH_TOKEN_INVALID');
    // Within the clock tolerance (5 s), a token a moment from valid is accepted.
    await me(await idp.sign('rsa-1', { sub: sub() }, { notBefore: 2 })).expect(200);
    expect(await code(await idp.sign('rsa-1', { exp: undefined }))).toBe('AUTH_TOKEN_INVALID');
  });

  it('rejects alg none and an HS256 token signed with the IdP public key (no algorithm confusion)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: idp.issuer, aud: 'tollgate-api', sub: sub(), exp: now + 600 };
    expect(await code(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`)).toBe('AUTH_TOKEN_INVALID');
    const hits = idp.jwksHits;
    const pem = await idp.publicKeyPem('rsa-1');
    const confused = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .sign(new TextEncoder().encode(pem));
    expect(await code(confused)).toBe('AUTH_TOKEN_INVALID');
    // RS256 header over an HMAC signature: the verifier uses the public key as an RSA key, and fails.
    const [, p, s] = confused.split('.');
    expect(await code(`${b64({ alg: 'RS256', kid: 'rsa-1' })}.${p}.${s}`)).toBe('AUTH_TOKEN_INVALID');
    // Other algorithms are not tried at all.
    expect(await code(`${b64({ alg: 'PS256', kid: 'rsa-1' })}.${p}.${s}`)).toBe('AUTH_TOKEN_INVALID');
    expect(idp.jwksHits).toBe(hits);
  });

  it('follows a key rotation to a new kid without a restart', async () => {
    await me(await idp.sign('rsa-1', { sub: sub() })).expect(200);
    await idp.addKey('rsa-2', 'RS256');
    idp.unpublish('rsa-1');
    const token = await idp.sign('rsa-2', { sub: sub() });
    // Accepted once AUTH_JWKS_MIN_REFETCH_MS (1 s by default) allows looking again; until then 401, never 503.
    const statuses = new Set<number>();
    await waitFor(
      async () => {
        const status = (await me(token)).status;
        statuses.add(status);
        return status === 200;
      },
      'the rotated key to be fetched within the 1 s window',
      2500,
    );
    expect([...statuses].filter((s) => s !== 200 && s !== 401)).toEqual([]);
  });

  it('answers 503 AUTH_PROVIDER_UNAVAILABLE with Retry-After while the key set cannot be fetched, then recovers', async () => {
    await idp.addKey('rsa-3', 'RS256');
    const token = await idp.sign('rsa-3', { sub: sub() });
    idp.down = true;
    try {
      const res = await waitFor(
        async () => {
          const r = await me(token);
          return r.status === 503 ? r : undefined;
        },
        'a fetch of the key set to fail',
        2500,
      );
      expect(res.body.code).toBe('AUTH_PROVIDER_UNAVAILABLE');
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      // A known kid is still verified from the keys in hand.
      await me(await idp.sign('rsa-2', { sub: sub() })).expect(200);
    } finally {
      idp.down = false;
    }
    await waitFor(async () => (await me(token)).status === 200, 'the key set back', 2500);
  });

  it('refetches the key set at most once for a flood of unknown kids', async () => {
    await idp.addKey('never-published', 'RS256', false);
    const before = idp.jwksHits;
    const tokens = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        idp.sign('never-published', { sub: sub() }, { header: { kid: `made-up-${i}` } }),
      ),
    );
    const statuses = await Promise.all(tokens.map(async (tk) => (await me(tk)).status));
    expect(statuses.every((s) => s === 401)).toBe(true);
    expect(idp.jwksHits - before).toBeLessThanOrEqual(1);
  });

  it('keeps local and external users apart (BOLA): a subject equal to a local user id is another user', async () => {
    const local = await registerUser(t);
    await t
      .http()
      .post(`/admin/users/${local.id}/credits`)
      .set(admin.auth)
      .send({ bucket: 'purchased', amount: 50, reason: 'support' })
      .expect(201);
    const outsider = await idp.sign('rsa-2', { sub: local.id, email: local.email });
    const who = (await me(outsider).expect(200)).body;
    expect(who.id).not.toBe(local.id);
    expect((await t.http().get('/credits').set(bearer(outsider)).expect(200)).body.total_credits).toBe(0);
    expect((await t.http().get('/credits').set(local.auth).expect(200)).body.total_credits).toBe(50);
    // The same email does not let the external user log in as, or collide with, the local account.
    expect(
      (await t.http().get('/admin/users').query({ email: local.email }).set(admin.auth).expect(200)).body
        .users,
    ).toHaveLength(2);
    // An external user is not an admin, whatever its token says.
    const adminClaim = await idp.sign('rsa-2', { sub: sub(), email: 'admin@tollgate.test', role: 'admin' });
    expect((await t.http().get('/admin/users/x').set(bearer(adminClaim)).expect(403)).body.code).toBe(
      'FORBIDDEN',
    );
  });

  it('buys credits with an external token: checkout → webhook → credits, visible to admins', async () => {
    const id = sub();
    const token = await idp.sign('rsa-2', { sub: id, email: `${id}@example.com` });
    const pack = await catalogPrice(t, 'one_time', '100 Credits');
    const created = await t
      .http()
      .post('/payments/create-checkout-session-onetime')
      .set(bearer(token))
      .send({ price_id: pack.priceId, product_id: pack.productId })
      .expect(200);
    const sessionId = (created.body as { session_id: string }).session_id;
    const detailBefore = (await t.http().get(`/admin/users/${id}`).set(admin.auth).expect(200)).body;
    expect(detailBefore.open_checkout_sessions).toEqual([expect.objectContaining({ session_id: sessionId })]);
    expect(await t.emulator.completeCheckout(sessionId)).toEqual({ ok: true });
    await waitFor(
      async () => (await t.http().get('/credits').set(bearer(token)).expect(200)).body.total_credits === 100,
      'the webhook to grant the credits',
    );
    const detail = (await t.http().get(`/admin/users/${id}`).set(admin.auth).expect(200)).body;
    expect(detail).toMatchObject({
      user: { external_id: id, external_issuer: idp.issuer, customer_id: expect.stringMatching(/^cus_/) },
      credits: { purchased_credits: 100, total_credits: 100 },
      subscription: { has_subscription: false, subscription: null, credits: { total_credits: 100 } },
      recent_ledger: [expect.objectContaining({ amount: 100, bucket: 'purchased' })],
    });
    await waitFor(
      async () =>
        (await t.http().get(`/admin/users/${detail.user.id}`).set(admin.auth).expect(200)).body
          .open_checkout_sessions.length === 0,
      'the session to be marked complete',
    );
  });

  it('lets an API key act for the same user the token names (X-Tollgate-User = subject)', async () => {
    const id = sub();
    const token = await idp.sign('rsa-2', { sub: id });
    const userId = (await me(token).expect(200)).body.id;
    const key = (await createApiKey(t, admin, ['credits:read'])).secret;
    await t
      .http()
      .post(`/admin/users/${userId}/credits`)
      .set(admin.auth)
      .send({ bucket: 'purchased', amount: 7, reason: 'goodwill' })
      .expect(201);
    const viaKey = await t.http().get('/credits').set(bearer(key)).set('X-Tollgate-User', id).expect(200);
    expect(viaKey.body.total_credits).toBe(7);
  });

  it('looks a known external user up in memory: no users query for a token or an API key naming them again', async () => {
    const id = sub();
    await me(await idp.sign('ed-1', { sub: id })).expect(200);
    const key = (await createApiKey(t, admin, ['credits:read'])).secret;
    const users = t.app.get(UsersService);
    const lookups = [jest.spyOn(users, 'upsertExternal'), jest.spyOn(users, 'findByExternalId')];
    const reads = jest.spyOn(UsersService.prototype, 'findById');
    try {
      await t
        .http()
        .get('/credits')
        .set(bearer(await idp.sign('ed-1', { sub: id })))
        .expect(200);
      await t
        .http()
        .get('/credits')
        .set(bearer(await idp.sign('ec-1', { sub: id })))
        .expect(200);
      for (const spy of lookups) expect(spy).not.toHaveBeenCalled();
      expect(reads).not.toHaveBeenCalled();
      // An API key naming the user (its own namespace): the first request looks it up once, later ones never.
      await t.http().put(`/users/${id}`).set(admin.auth).send({}).expect(200);
      await t.http().get('/credits').set(bearer(key)).set('X-Tollgate-User', id).expect(200);
      const calls = lookups.map((spy) => spy.mock.calls.length);
      await t.http().get('/credits').set(bearer(key)).set('X-Tollgate-User', id).expect(200);
      expect(lookups.map((spy) => spy.mock.calls.length)).toEqual(calls);
    } finally {
      for (const spy of [...lookups, reads]) spy.mockRestore();
    }
  });

  it('answers 503 AUTH_PROVIDER_UNAVAILABLE, not 401, when the key set cannot be fetched', async () => {
    const down = await createTestApp({
      env: { AUTH_ISSUER: idp.issuer, AUTH_JWKS_URL: `${idp.issuer}/missing.json` },
    });
    try {
      const res = await down
        .http()
        .get('/auth/me')
        .set(bearer(await idp.sign('rsa-2')))
        .expect(503);
      expect(res.body.code).toBe('AUTH_PROVIDER_UNAVAILABLE');
    } finally {
      await down.close();
    }
  });
});

describe('AUTH_LOCAL=false: external identities only (e2e)', () => {
  const idp = new TestIdentityProvider();
  let t: TestApp;
  beforeAll(async () => {
    await idp.start();
    await idp.addKey('k1', 'ES256');
    t = await createTestApp({
      env: { AUTH_LOCAL: 'false', AUTH_ISSUER: idp.issuer, AUTH_JWKS_URL: `${idp.issuer}/jwks.json` },
    });
  });
  afterAll(async () => {
    await t.close();
    await idp.stop();
  });

  it('answers 404 for /auth/register and /auth/login and accepts no token signed with JWT_SECRET', async () => {
    const creds = { email: 'ada@example.com', password: 'correct horse' };
    expect((await t.http().post('/auth/register').send(creds).expect(404)).body.code).toBe('NOT_FOUND');
    expect((await t.http().post('/auth/login').send(creds).expect(404)).body.code).toBe('NOT_FOUND');
    const { createSigner } = await import('fast-jwt');
    const { authConfig } = await import('../../src/config/auth.config');
    const secret = t.app.get<{ jwtSecret: string }>(authConfig.KEY).jwtSecret;
    const local = createSigner({ key: secret, algorithm: 'HS256' })({
      sub: 'x',
      email: 'x@example.com',
      role: 'user',
    });
    expect((await t.http().get('/auth/me').set(bearer(local)).expect(401)).body.code).toBe(
      'AUTH_TOKEN_INVALID',
    );
    await t
      .http()
      .get('/auth/me')
      .set(bearer(await idp.sign('k1', { aud: undefined })))
      .expect(200);
  });
});
