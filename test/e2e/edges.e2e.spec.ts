import { createTestApp, TestApp } from '../support/test-app';

describe('edges and health (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { FRONTEND_URL: 'https://app.example.com', BODY_LIMIT: '2kb' } });
  });
  afterAll(async () => t.close());

  it('puts an X-Request-Id on every response and echoes a sane incoming one', async () => {
    const res = await t.http().get('/health/live').expect(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await t.http().get('/nope').set('X-Request-Id', 'abc-123').expect(404);
    expect(echoed.headers['x-request-id']).toBe('abc-123');
    expect(echoed.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND', request_id: 'abc-123' });
  });

  it('sends security headers and allows CORS only for FRONTEND_URL', async () => {
    const ok = await t
      .http()
      .options('/auth/login')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'POST');
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const evil = await t
      .http()
      .options('/auth/login')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    // Every method the API uses is allowed from the frontend (cancel-subscription is a DELETE, users a PUT).
    const del = await t
      .http()
      .options('/payments/cancel-subscription')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'DELETE');
    expect(del.headers['access-control-allow-methods']).toEqual(expect.stringContaining('DELETE'));
    expect(del.headers['access-control-allow-methods']).toEqual(expect.stringContaining('PUT'));
    const exposed = (await t.http().get('/health/live').set('Origin', 'https://app.example.com')).headers;
    expect(exposed['access-control-expose-headers']).toEqual(
      expect.stringContaining('X-RateLimit-Remaining'),
    );
    const res = await t.http().get('/health/live');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
    // The API's set from helmet: no framing, no referrer, HSTS, same-origin resources; no HTML-only headers.
    expect(res.headers).toMatchObject({
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cross-origin-resource-policy': 'same-origin',
      'strict-transport-security': expect.stringContaining('max-age='),
    });
    expect(res.headers['x-xss-protection']).toBeUndefined();
  });

  it('allows the origin of a FRONTEND_URL that has a path (a browser Origin never carries one)', async () => {
    const withPath = await createTestApp({ env: { FRONTEND_URL: 'https://app.example.com/dashboard/' } });
    try {
      const res = await withPath
        .http()
        .options('/credits')
        .set('Origin', 'https://app.example.com')
        .set('Access-Control-Request-Method', 'GET');
      expect(res.headers['access-control-allow-origin']).toBe('https://app.example.com');
    } finally {
      await withPath.close();
    }
  });

  it('rejects bodies over the limit with 413 and malformed JSON with 400', async () => {
    const big = await t
      .http()
      .post('/auth/register')
      .send({ email: 'a@example.com', password: 'x'.repeat(5000) })
      .expect(413);
    expect(big.body.code).toBe('PAYLOAD_TOO_LARGE');
    const bad = await t
      .http()
      .post('/auth/register')
      .set('Content-Type', 'application/json')
      .send('{"email":')
      .expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
  });

  it('serves liveness without dependencies, readiness with the database, and the spec health shape', async () => {
    expect((await t.http().get('/health/live').expect(200)).body).toEqual({ status: 'ok' });
    expect((await t.http().get('/health/ready').expect(200)).body).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' } },
    });
    const full = await t.http().get('/health').expect(200);
    expect(full.body).toMatchObject({
      status: 'healthy',
      timestamp: expect.any(String),
      version: expect.any(String),
      checks: { database: { status: 'up' }, stripe: { status: 'up' } },
    });
  });

  it('documents every route in /docs-json with the bearer scheme', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body;
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const path of [
      '/auth/register',
      '/auth/login',
      '/auth/me',
      '/health',
      '/health/live',
      '/health/ready',
    ]) {
      expect(doc.paths).toHaveProperty([path]);
    }
  });
});

describe('readiness when the database is down (e2e)', () => {
  it('answers 503 from /health/ready and /health but keeps /health/live at 200', async () => {
    const t = await createTestApp();
    try {
      await t.dataSource.destroy();
      await t.http().get('/health/live').expect(200);
      const ready = await t.http().get('/health/ready').expect(503);
      expect(ready.body.status).toBe('error');
      const full = await t.http().get('/health').expect(503);
      expect(full.body.status).toBe('unhealthy');
    } finally {
      await t.close();
    }
  });
});
