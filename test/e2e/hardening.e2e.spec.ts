import { Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { registerUser, TestUser } from '../factories/user.factory';
import { signPayload } from '../../src/stripe-emulator/signature';
import { eventStatus, webhookSecret } from '../support/stripe-helpers';
import { createTestApp, TestApp } from '../support/test-app';

/** Issue 12: what a careless client, an attacker or an outage sends gets a 4xx/503 with a stable code, never a 500. */
describe('hardening: bad input and outages (e2e)', () => {
  let t: TestApp;
  let user: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    user = await registerUser(t);
    admin = await registerUser(t, 'admin@tollgate.test');
  });
  afterAll(async () => t.close());

  const signed = (payload: string) => signPayload(payload, webhookSecret(t), Math.floor(Date.now() / 1000));
  const postWebhook = (payload: string, header: string) =>
    t
      .http()
      .post('/payments/webhook')
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', header)
      .send(payload);

  it('answers an empty v1 signature with 400 WEBHOOK_SIGNATURE_INVALID, alone or beside a forged one', async () => {
    const payload = JSON.stringify({ id: 'evt_empty_v1', object: 'event', type: 'invoice.paid', created: 1 });
    const now = Math.floor(Date.now() / 1000);
    for (const header of [`t=${now},v1=`, `t=${now},v1=,v1=deadbeef`, `t=${now},v1= `, 'v1=']) {
      const res = await postWebhook(payload, header);
      expect({ header, status: res.status, code: res.body.code }).toEqual({
        header,
        status: 400,
        code: 'WEBHOOK_SIGNATURE_INVALID',
      });
    }
    // A valid signature next to an empty one still verifies.
    const valid = signed(payload).replace(',v1=', ',v1=,v1=');
    expect((await postWebhook(payload, valid)).status).toBe(200);
  });

  it.each([
    ['not JSON', 'this is not json'],
    ['a JSON array', '[1,2,3]'],
    ['no id', JSON.stringify({ object: 'event', type: 'invoice.paid', created: 1 })],
    ['no type', JSON.stringify({ id: 'evt_no_type', object: 'event', created: 1 })],
    ['an id over 255 characters', JSON.stringify({ id: `evt_${'x'.repeat(300)}`, type: 'invoice.paid' })],
    [
      'a NUL jsonb rejects',
      JSON.stringify({
        id: 'evt_nul',
        type: 'invoice.paid',
        created: 1,
        data: { object: { n: 'a\u0000b' } },
      }),
    ],
  ])(
    'answers a correctly signed delivery with %s 400 WEBHOOK_PAYLOAD_INVALID, stores nothing',
    async (_, payload) => {
      const res = await postWebhook(payload, signed(payload));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('WEBHOOK_PAYLOAD_INVALID');
      expect(res.body.message).toMatch(/^The webhook payload is not a storable Stripe event: .+\.$/);
      for (const id of ['evt_no_type', 'evt_nul']) expect(await eventStatus(t, id)).toBeUndefined();
    },
  );

  it('answers a ~3,000-deep JSON body with 400 on every JSON route, the unauthenticated ones included', async () => {
    const deep = '['.repeat(3000) + ']'.repeat(3000);
    const body = `{"email":"deep@example.com","password":${deep}}`;
    for (const [path, auth] of [
      ['/auth/register', undefined],
      ['/auth/login', undefined],
      ['/credits/consume', user.auth],
      ['/examples/posts', user.auth],
      [`/admin/users/${user.id}/credits`, admin.auth],
    ] as const) {
      const req = t.http().post(path).set('Content-Type', 'application/json');
      if (auth) req.set(auth);
      const res = await req.send(body);
      expect({ path, status: res.status, code: res.body.code }).toEqual({
        path,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
      expect(res.body.message).toBe('The request body is nested deeper than 32 levels.');
    }
    // Ordinary nesting still parses.
    const ok = await t.http().post('/credits/consume').set(user.auth).send({ amount: 1, reason: 'x' });
    expect(ok.status).toBe(402);
  });

  it("flags an event whose api_version differs from the SDK's pinned one: stored, warned, visible to admins", async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn');
    try {
      for (const [id, apiVersion] of [
        ['evt_old_api', '2020-08-27'],
        ['evt_pinned_api', Stripe.API_VERSION],
      ]) {
        const payload = JSON.stringify({
          id,
          object: 'event',
          type: 'x.unknown',
          api_version: apiVersion,
          created: 1,
        });
        expect((await postWebhook(payload, signed(payload))).status).toBe(200);
      }
      const old = await t.http().get('/admin/webhook-events/evt_old_api').set(admin.auth).expect(200);
      expect(old.body.api_version).toBe('2020-08-27');
      expect(old.body.warning).toBe(
        `api_version 2020-08-27 differs from the SDK's pinned ${Stripe.API_VERSION}: set the webhook endpoint to the pinned version`,
      );
      const pinned = await t.http().get('/admin/webhook-events/evt_pinned_api').set(admin.auth).expect(200);
      expect(pinned.body.warning).toBeNull();
      const listed = await t.http().get('/admin/webhook-events').set(admin.auth).expect(200);
      expect(listed.body.events.find((e: { id: string }) => e.id === 'evt_old_api').warning).toContain(
        '2020-08-27',
      );
      const lines = warn.mock.calls.filter(
        ([o]) => (o as { api_version_mismatch?: boolean })?.api_version_mismatch,
      );
      expect(lines.map(([o]) => (o as { event_id: string }).event_id)).toEqual(['evt_old_api']);
    } finally {
      warn.mockRestore();
    }
  });

  it.each([
    ['an api_version over 64 characters', { api_version: 'v'.repeat(65) }, 'api_version longer than 64'],
    ['an api_version that is not a string', { api_version: 20250101 }, 'api_version is not a string'],
    ['a lone UTF-16 surrogate', { data: { object: { name: '\ud800' } } }, 'lone UTF-16 surrogate'],
    ['a status wider than its column', { data: { object: { status: 's'.repeat(33) } } }, 'status longer'],
    ['a four-letter currency', { data: { object: { currency: 'usdx' } } }, 'currency longer than 3'],
    [
      'a customer id over 255 characters',
      { data: { object: { customer: `cus_${'c'.repeat(252)}` } } },
      'customer',
    ],
  ])(
    'refuses a correctly signed event with %s: 400 WEBHOOK_PAYLOAD_INVALID, nothing stored',
    async (_, fields, problem) => {
      const warn = jest.spyOn(Logger.prototype, 'warn');
      try {
        const id = `evt_unstorable_${Math.random().toString(36).slice(2)}`;
        const payload = JSON.stringify({
          id,
          object: 'event',
          type: 'customer.updated',
          created: 1,
          ...fields,
        });
        const res = await postWebhook(payload, signed(payload));
        expect({ status: res.status, code: res.body.code }).toEqual({
          status: 400,
          code: 'WEBHOOK_PAYLOAD_INVALID',
        });
        expect(JSON.stringify(warn.mock.calls)).toContain(problem);
        await t.http().get(`/admin/webhook-events/${id}`).set(admin.auth).expect(404);
      } finally {
        warn.mockRestore();
      }
    },
  );

  it("accepts a delivery signed up to 300 s ago (Stripe's tolerance), refuses one signed longer ago", async () => {
    const now = Math.floor(Date.now() / 1000);
    const event = (id: string) => JSON.stringify({ id, object: 'event', type: 'x.unknown', created: now });
    const late = event(`evt_late_${now}`);
    expect((await postWebhook(late, signPayload(late, webhookSecret(t), now - 280))).status).toBe(200);
    const stale = event(`evt_stale_${now}`);
    const refused = await postWebhook(stale, signPayload(stale, webhookSecret(t), now - 320));
    expect({ status: refused.status, code: refused.body.code }).toEqual({
      status: 400,
      code: 'WEBHOOK_SIGNATURE_INVALID',
    });
  });

  it('answers a NUL in a path parameter with 400, not 500 (found by the fuzz suite, seed 539130389)', async () => {
    const res = await t.http().post('/admin/webhook-events/%00/retry').set(admin.auth);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
  });

  it('answers webhooks and consumes with 503 SERVICE_UNAVAILABLE and Retry-After while the database is down', async () => {
    const payload = JSON.stringify({ id: 'evt_db_down', object: 'event', type: 'x.unknown', created: 1 });
    await t.dataSource.destroy();
    try {
      const webhook = await postWebhook(payload, signed(payload));
      const consume = await t.http().post('/credits/consume').set(user.auth).send({ amount: 1, reason: 'x' });
      for (const res of [webhook, consume]) {
        expect(res.status).toBe(503);
        expect(res.body.code).toBe('SERVICE_UNAVAILABLE');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
    } finally {
      await t.dataSource.initialize();
    }
    expect((await postWebhook(payload, signed(payload))).status).toBe(200);
  });
});

describe('clear refusals (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  it('says "<field> is required" once for a missing body field', async () => {
    const res = await t.http().post('/auth/register').send({}).expect(400);
    expect(res.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'email is required; password is required',
      errors: [
        { field: 'email', errors: ['email is required'] },
        { field: 'password', errors: ['password is required'] },
      ],
    });
    const user = await registerUser(t);
    const post = await t.http().post('/examples/posts').set(user.auth).send({}).expect(400);
    expect(post.body.errors).toEqual([{ field: 'title', errors: ['title is required'] }]);
    // A present but wrong value still says what is wrong with it.
    const wrong = await t.http().post('/examples/posts').set(user.auth).send({ title: 7 }).expect(400);
    expect(wrong.body.message).toContain('title must be a string');
  });

  it('says what was asked and what is available when credits are short', async () => {
    const user = await registerUser(t);
    const admin = await registerUser(t, 'admin@tollgate.test');
    await t
      .http()
      .post(`/admin/users/${user.id}/credits`)
      .set(admin.auth)
      .send({ amount: 100, bucket: 'purchased', reason: 'grant' })
      .expect(201);
    const res = await t.http().post('/credits/consume').set(user.auth).send({ amount: 1000 }).expect(402);
    expect(res.body).toMatchObject({
      code: 'INSUFFICIENT_CREDITS',
      message:
        'Not enough credits: 1000 requested, 100 available. Please purchase credits or upgrade your plan.',
      requested: 1000,
      available: 100,
    });
  });
});

describe('ALLOWED_HOSTS (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ALLOWED_HOSTS: 'api.example.com' } });
  });
  afterAll(async () => t.close());

  it('refuses every host not listed, localhost and 127.0.0.1 included', async () => {
    for (const host of ['localhost', '127.0.0.1', 'localhost:8000', 'evil.example']) {
      const res = await t.http().get('/payments/products?product_type=one_time').set('Host', host);
      expect({ host, status: res.status, code: res.body.code }).toEqual({
        host,
        status: 400,
        code: 'HOST_NOT_ALLOWED',
      });
    }
    const upper = await t
      .http()
      .get('/payments/products?product_type=one_time')
      .set('Host', 'API.example.com');
    expect(upper.body).toMatchObject({ products: expect.any(Array) });
    await t
      .http()
      .get('/payments/products?product_type=one_time')
      .set('Host', 'api.example.com:443')
      .expect(200);
  });

  it('exempts only the health probe paths, whatever the host', async () => {
    for (const path of ['/health/live', '/health/ready', '/health', '/health/live?x=1']) {
      await t.http().get(path).set('Host', '10.0.0.7').expect(200);
    }
    for (const path of ['/healthz', '/health/live/../../payments/products', '/docs-json']) {
      expect((await t.http().get(path).set('Host', '10.0.0.7')).status).toBe(400);
    }
  });
});
