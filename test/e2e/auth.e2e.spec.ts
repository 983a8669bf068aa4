import { createHmac } from 'node:crypto';
import { createTestApp, TestApp } from '../support/test-app';
import { registerUser } from '../factories/user.factory';

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('auth (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  it('registers, logs in and answers /auth/me with the caller', async () => {
    const reg = await t
      .http()
      .post('/auth/register')
      .send({ email: 'Ada@Example.com', password: 'correct horse' })
      .expect(201);
    expect(reg.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 3600 });
    const login = await t
      .http()
      .post('/auth/login')
      .send({ email: 'ada@example.com', password: 'correct horse' })
      .expect(200);
    const me = await t
      .http()
      .get('/auth/me')
      .set('Authorization', `Bearer ${login.body.access_token}`)
      .expect(200);
    expect(me.body).toMatchObject({ email: 'ada@example.com', role: 'user', customer_id: null });
    expect(me.body).not.toHaveProperty('password_hash');
  });

  it('stores a scrypt hash, never the password', async () => {
    const u = await registerUser(t);
    const [row] = await t.dataSource.query('SELECT password_hash FROM users WHERE id = $1', [u.id]);
    expect(row.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(row.password_hash).not.toContain('correct horse');
  });

  it('answers 409 AUTH_EMAIL_TAKEN for a taken email, case-insensitively', async () => {
    await registerUser(t, 'taken@example.com');
    const res = await t
      .http()
      .post('/auth/register')
      .send({ email: 'TAKEN@example.com', password: 'another pass' })
      .expect(409);
    expect(res.body).toMatchObject({
      statusCode: 409,
      code: 'AUTH_EMAIL_TAKEN',
      request_id: expect.any(String),
    });
  });

  it('answers 400 for an invalid email, a short password and unknown fields', async () => {
    const bad = await t
      .http()
      .post('/auth/register')
      .send({ email: 'nope', password: 'long enough' })
      .expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(bad.body.message).toContain('email');
    const short = await t
      .http()
      .post('/auth/register')
      .send({ email: 'short@example.com', password: 'short' })
      .expect(400);
    expect(short.body.message).toContain('at least 8 characters');
    const extra = await t
      .http()
      .post('/auth/register')
      .send({ email: 'x@example.com', password: 'long enough', role: 'admin' })
      .expect(400);
    expect(extra.body.message).toContain('role');
    const [{ count }] = await t.dataSource.query(
      `SELECT count(*)::int AS count FROM users WHERE email IN ('short@example.com','x@example.com')`,
    );
    expect(count).toBe(0);
  });

  it('does not reveal whether an email exists on login', async () => {
    await registerUser(t, 'known@example.com');
    const wrong = await t
      .http()
      .post('/auth/login')
      .send({ email: 'known@example.com', password: 'wrong password' })
      .expect(401);
    const unknown = await t
      .http()
      .post('/auth/login')
      .send({ email: 'nobody@example.com', password: 'wrong password' })
      .expect(401);
    expect(wrong.body.code).toBe('AUTH_INVALID_CREDENTIALS');
    expect(unknown.body.code).toBe('AUTH_INVALID_CREDENTIALS');
    expect(wrong.body.message).toBe(unknown.body.message);
  });

  it('rejects missing, malformed, forged, alg-none and expired tokens with 401 and a code', async () => {
    const u = await registerUser(t);
    expect((await t.http().get('/auth/me').expect(401)).body.code).toBe('AUTH_TOKEN_MISSING');
    expect((await t.http().get('/auth/me').set('Authorization', 'Basic abc').expect(401)).body.code).toBe(
      'AUTH_TOKEN_INVALID',
    );
    const [h, p] = u.token.split('.');
    const forged = `${h}.${p}.${createHmac('sha256', 'not-the-secret').update(`${h}.${p}`).digest('base64url')}`;
    expect(
      (await t.http().get('/auth/me').set('Authorization', `Bearer ${forged}`).expect(401)).body.code,
    ).toBe('AUTH_TOKEN_INVALID');
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`;
    expect(
      (await t.http().get('/auth/me').set('Authorization', `Bearer ${none}`).expect(401)).body.code,
    ).toBe('AUTH_TOKEN_INVALID');
    const tampered = `${h}.${b64({ sub: u.id, email: u.email, role: 'admin', iat: 1, exp: 9999999999 })}.${u.token.split('.')[2]}`;
    expect(
      (await t.http().get('/auth/me').set('Authorization', `Bearer ${tampered}`).expect(401)).body.code,
    ).toBe('AUTH_TOKEN_INVALID');
  });

  it('rejects an expired token with AUTH_TOKEN_EXPIRED', async () => {
    const { createSigner } = await import('fast-jwt');
    const { authConfig } = await import('../../src/config/auth.config');
    const secret = t.app.get<{ jwtSecret: string }>(authConfig.KEY).jwtSecret;
    const expired = createSigner({ key: secret, algorithm: 'HS256' })({
      sub: 'x',
      email: 'x@example.com',
      role: 'user',
      iat: Math.floor(Date.now() / 1000) - 7200,
      exp: Math.floor(Date.now() / 1000) - 3600,
    });
    const res = await t.http().get('/auth/me').set('Authorization', `Bearer ${expired}`).expect(401);
    expect(res.body.code).toBe('AUTH_TOKEN_EXPIRED');
  });

  it('makes ADMIN_EMAILS admins and never lets a route grant a role', async () => {
    const admin = await registerUser(t, 'admin@tollgate.test');
    const me = await t.http().get('/auth/me').set(admin.auth).expect(200);
    expect(me.body.role).toBe('admin');
    const user = await registerUser(t);
    expect((await t.http().get('/admin/webhook-events').set(user.auth).expect(403)).body.code).toBe(
      'FORBIDDEN',
    );
    await t.http().get('/admin/webhook-events').set(admin.auth).expect(200);
  });

  it('authorizes roles from the database: a promotion applies at once, a demotion beats an older token', async () => {
    const user = await registerUser(t);
    await t.http().get('/admin/webhook-events').set(user.auth).expect(403);
    await t.dataSource.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [user.id]); // npm run admin:create
    await t.http().get('/admin/webhook-events').set(user.auth).expect(200);
    await t.dataSource.query(`UPDATE users SET role = 'user' WHERE id = $1`, [user.id]);
    await t.http().get('/admin/webhook-events').set(user.auth).expect(403);
  });
});

describe('auth throttling (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { THROTTLE_AUTH_LIMIT: '3', THROTTLE_TTL_MS: '20000' } });
  });
  afterAll(async () => t.close());

  it('limits /auth more strictly than the default and answers 429 RATE_LIMITED', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        (await t.http().post('/auth/login').send({ email: 'a@example.com', password: 'whatever1' })).status,
      );
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    const last = await t
      .http()
      .post('/auth/login')
      .send({ email: 'a@example.com', password: 'whatever1' })
      .expect(429);
    expect(last.body.code).toBe('RATE_LIMITED');
    // Retry-After is what is left of the 20 s window, not a fixed minute.
    const wait = Number(last.headers['retry-after']);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(20);
    // health is never throttled
    for (let i = 0; i < 5; i++) await t.http().get('/health/live').expect(200);
  });

  // Several instances share one budget through Redis (REDIS_URL is set in CI's PostgreSQL pass); without it
  // the test is reported as skipped.
  (process.env.REDIS_URL ? it : it.skip)('shares the rate limit across instances through Redis', async () => {
    const shared = { THROTTLE_AUTH_LIMIT: '3', THROTTLE_REDIS_PREFIX: `test:shared:${Date.now()}:` };
    const a = await createTestApp({ env: shared });
    const b = await createTestApp({ env: shared }); // its own database: only the counters are shared
    try {
      const login = (x: TestApp) =>
        x.http().post('/auth/login').send({ email: 'z@example.com', password: 'whatever1' });
      const statuses = [
        (await login(a)).status,
        (await login(b)).status,
        (await login(a)).status,
        (await login(b)).status,
      ];
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
