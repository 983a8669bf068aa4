import { OutboundDeliveryService } from '../../src/outbound/outbound-delivery.service';
import { OutboundEventsService } from '../../src/outbound/outbound-events.service';
import { createApiKey } from '../factories/api-key.factory';
import { registerUser, TestUser } from '../factories/user.factory';
import { catalogPrice, createPackCheckout, settle } from '../support/stripe-helpers';
import { createTestApp, TestApp, waitFor } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';

const ENV = {
  OUTBOUND_WORKER_INTERVAL_MS: '50',
  OUTBOUND_RETRY_SCHEDULE_MS: '50,50,50',
  OUTBOUND_LEASE_MS: '5000',
};

interface Endpoint {
  id: string;
  secret: string;
  url: string;
  events: string[];
  enabled: boolean;
  disabled_reason: string | null;
}

interface Delivery {
  event_id: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_latency_ms: number | null;
  next_attempt_at: string | null;
}

describe('outbound events: signed Standard Webhooks from a transactional outbox (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  const receivers: WebhookReceiver[] = [];

  const receiver = async () => {
    const r = await new WebhookReceiver().start();
    receivers.push(r);
    return r;
  };
  const addEndpoint = async (r: WebhookReceiver, events: string[] = ['purchase.completed']) => {
    const res = await t
      .http()
      .post('/admin/webhook-endpoints')
      .set(admin.auth)
      .send({ url: r.url, events })
      .expect(201);
    const ep = res.body as Endpoint;
    r.secrets = [ep.secret];
    return ep;
  };
  const sendTest = async (ep: Endpoint) =>
    (
      (await t.http().post(`/admin/webhook-endpoints/${ep.id}/test`).set(admin.auth).expect(202)).body as {
        event_id: string;
      }
    ).event_id;
  const deliveries = async (ep: Endpoint) =>
    (
      (await t.http().get(`/admin/webhook-endpoints/${ep.id}/deliveries`).set(admin.auth).expect(200))
        .body as {
        deliveries: Delivery[];
      }
    ).deliveries;
  const patch = (ep: Endpoint, body: object) =>
    t.http().patch(`/admin/webhook-endpoints/${ep.id}`).set(admin.auth).send(body).expect(200);

  beforeAll(async () => {
    t = await createTestApp({ env: ENV });
    admin = await registerUser(t, 'admin@tollgate.test');
  });
  afterAll(async () => {
    await t.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await t.close();
    for (const r of receivers) await r.stop();
  });

  it('a purchase produces exactly one purchase.completed and one credits.granted, each verified', async () => {
    const r = await receiver();
    await addEndpoint(r, ['purchase.completed', 'credits.granted']);
    const user = await registerUser(t);
    const pack = await catalogPrice(t, 'one_time', '100 Credits');
    const sessionId = await createPackCheckout(t, user, pack);
    expect(await t.emulator.completeCheckout(sessionId, { card: '4242424242424242' })).toEqual({ ok: true });
    // The buyer's status read fulfils too (idempotently): it must not add a second event.
    await t.http().get(`/payments/checkout-session/${sessionId}`).set(user.auth).expect(200);
    await settle(t);
    await waitFor(
      () => r.ofType('purchase.completed').length > 0 && r.ofType('credits.granted').length > 0,
      'both events',
    );
    await waitFor(async () => {
      const [row]: Array<{ n: number }> = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM outbound_deliveries WHERE status <> 'succeeded'`,
      );
      return row.n === 0;
    }, 'outbox drained');

    expect(r.received.map((d) => d.payload.type).sort()).toEqual(['credits.granted', 'purchase.completed']);
    for (const d of r.received) expect(d.verifiedWith).toEqual(r.secrets);
    const [purchase] = r.ofType('purchase.completed');
    const [granted] = r.ofType('credits.granted');
    expect(purchase.payload).toMatchObject({
      id: purchase.id,
      type: 'purchase.completed',
      version: 1,
      user_id: user.id,
      external_id: null,
      data: { checkout_session_id: sessionId, credits: 100, amount_total: 1999, currency: 'usd' },
    });
    expect(granted.payload).toMatchObject({
      user_id: user.id,
      data: { amount: 100, bucket: 'purchased', reason: 'purchase', total_credits: 100 },
    });
    // Per-user order: the grant is written first, inside the same transaction.
    expect([granted.payload.sequence, purchase.payload.sequence]).toEqual([1, 2]);
  });

  it('a receiver answering 500 then 200 gets the same webhook-id twice and nothing more', async () => {
    const r = await receiver();
    r.respond = (n) => (n === 1 ? 500 : 200);
    const ep = await addEndpoint(r);
    const id = await sendTest(ep);
    await waitFor(async () => (await deliveries(ep)).find((d) => d.status === 'succeeded'), 'delivered');
    // A later event arriving proves the worker has moved past the first one.
    const next = await sendTest(ep);
    await waitFor(() => r.withId(next).length === 1, 'second event');
    expect(r.withId(id).map((d) => d.status)).toEqual([500, 200]);
    expect(r.withId(id).every((d) => d.verifiedWith.length === 1)).toBe(true);
    const [, first] = await deliveries(ep); // newest first
    expect(first).toMatchObject({
      event_id: id,
      status: 'succeeded',
      attempts: 2,
      last_status_code: 200,
      next_attempt_at: null,
    });
    expect(first.last_latency_ms).toEqual(expect.any(Number));
    // Prometheus sees the attempts: at least this test's one failure, one retry and two successes.
    const scrape = (await t.http().get('/metrics').expect(200)).text;
    const gauge = (outcome: string) =>
      Number(
        new RegExp(`tollgate_outbound_delivery_attempts_total\\{outcome="${outcome}"\\} (\\d+)`).exec(scrape)?.[1],
      );
    expect(gauge('sent')).toBeGreaterThanOrEqual(2);
    expect(gauge('failed') + gauge('retried')).toBeGreaterThanOrEqual(1);
    expect(scrape).toMatch(/tollgate_outbound_undelivered \d+/);
  });

  it('a delivery claimed by a worker that died is delivered again once its lease expires, exactly once', async () => {
    const r = await receiver();
    const ep = await addEndpoint(r);
    await patch(ep, { enabled: false });
    const id = await sendTest(ep);
    // What a worker killed mid-delivery leaves behind: claimed (sending), attempted once, lease still running.
    await t.dataSource.query(
      `UPDATE outbound_deliveries SET status = 'sending', attempts = 1, claim_token = gen_random_uuid(),
              locked_until = now() + interval '1 hour' WHERE event_id = $1`,
      [id],
    );
    await patch(ep, { enabled: true });
    const control = await sendTest(ep);
    await waitFor(() => r.withId(control).length === 1, 'control event');
    expect(r.withId(id)).toHaveLength(0); // the lease still protects it
    await t.dataSource.query(
      `UPDATE outbound_deliveries SET locked_until = now() - interval '1 second' WHERE event_id = $1`,
      [id],
    );
    await waitFor(() => r.withId(id).length === 1, 'redelivery');
    await waitFor(
      async () => (await deliveries(ep)).find((d) => d.event_id === id && d.status === 'succeeded'),
      'recorded',
    );
    const again = await sendTest(ep);
    await waitFor(() => r.withId(again).length === 1, 'a later event');
    expect(r.withId(id)).toHaveLength(1);
  });

  it('a rolled-back transaction emits nothing; a committed one emits once', async () => {
    const r = await receiver();
    await addEndpoint(r, ['credits.low']);
    const user = await registerUser(t);
    const outbound = t.app.get(OutboundEventsService);
    await expect(
      t.dataSource.transaction(async (m) => {
        await outbound.emit(m, { type: 'credits.low', userId: user.id, data: { cause: 'rolled back', total_credits_before: 11, total_credits: 10, threshold: 10 } });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const id = await t.dataSource.transaction((m) =>
      outbound.emit(m, { type: 'credits.low', userId: user.id, data: { cause: 'committed', total_credits_before: 11, total_credits: 10, threshold: 10 } }),
    );
    await waitFor(() => r.withId(id!).length === 1, 'committed event');
    const rows: Array<{ n: number }> = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM outbound_events WHERE user_id = $1`,
      [user.id],
    );
    expect(rows[0].n).toBe(1);
    expect(r.received.map((d) => d.payload.data.cause)).toEqual(['committed']);
    expect(r.received[0].payload.sequence).toBe(1); // the rolled-back number was rolled back too
  });

  it('a disabled endpoint receives nothing until re-enabled', async () => {
    const off = await receiver();
    const on = await receiver();
    const a = await addEndpoint(off);
    const b = await addEndpoint(on);
    const disabled = (await patch(a, { enabled: false })).body as Endpoint;
    expect(disabled).toMatchObject({ enabled: false, disabled_reason: 'disabled by an operator' });
    const held = await sendTest(a);
    const seen = await sendTest(b);
    await waitFor(() => on.withId(seen).length === 1, 'the enabled endpoint');
    expect(off.received).toHaveLength(0);
    expect(((await patch(a, { enabled: true })).body as Endpoint).disabled_reason).toBeNull();
    await waitFor(() => off.withId(held).length === 1, 'delivery after re-enabling');
  });

  it('an endpoint failing for long enough is disabled with a reason an operator can read', async () => {
    const local = await createTestApp({
      env: { ...ENV, OUTBOUND_DISABLE_AFTER_FAILURES: '2', OUTBOUND_DISABLE_AFTER_MS: '0' },
    });
    try {
      const boss = await registerUser(local, 'admin@tollgate.test');
      const r = await receiver();
      r.respond = () => 503;
      const res = await local
        .http()
        .post('/admin/webhook-endpoints')
        .set(boss.auth)
        .send({ url: r.url, events: ['credits.low'] })
        .expect(201);
      const ep = res.body as Endpoint;
      await local.http().post(`/admin/webhook-endpoints/${ep.id}/test`).set(boss.auth).expect(202);
      const found = await waitFor(async () => {
        const list = (await local.http().get('/admin/webhook-endpoints').set(boss.auth).expect(200)).body as {
          endpoints: Endpoint[];
        };
        return list.endpoints.find((e) => e.id === ep.id && !e.enabled);
      }, 'endpoint disabled');
      expect(found.disabled_reason).toMatch(/consecutive failed deliveries; last: HTTP 503/);
      expect(JSON.stringify(found)).not.toContain('whsec_');
      expect(r.received).toHaveLength(2);
      const metrics = await local.app.get(OutboundDeliveryService).metrics();
      expect(metrics).toMatchObject({
        retried: 2,
        endpoints_disabled: 1,
        disabled_endpoints: 1,
        undelivered: 1,
      });
      expect(metrics.oldest_undelivered_age_seconds).toEqual(expect.any(Number));
    } finally {
      await local.close();
    }
  });

  it('after a rotation both secrets verify during the grace period, then only the new one', async () => {
    const r = await receiver();
    const ep = await addEndpoint(r);
    const old = ep.secret;
    const rotated = await t
      .http()
      .post(`/admin/webhook-endpoints/${ep.id}/rotate-secret`)
      .set(admin.auth)
      .send({ grace_period_seconds: 3600 })
      .expect(200);
    const fresh = (rotated.body as { secret: string }).secret;
    expect(fresh).not.toBe(old);
    r.secrets = [old, fresh];
    const during = await sendTest(ep);
    await waitFor(() => r.withId(during).length === 1, 'delivery during grace');
    expect(r.withId(during)[0].verifiedWith).toEqual([old, fresh]);
    await t.dataSource.query(
      `UPDATE webhook_endpoints SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1`,
      [ep.id],
    );
    const after = await sendTest(ep);
    await waitFor(() => r.withId(after).length === 1, 'delivery after grace');
    expect(r.withId(after)[0].verifiedWith).toEqual([fresh]);
  });

  it('replays one event with its original webhook-id', async () => {
    const r = await receiver();
    const ep = await addEndpoint(r);
    const id = await sendTest(ep);
    await waitFor(() => r.withId(id).length === 1, 'first delivery');
    await t
      .http()
      .post(`/admin/webhook-endpoints/${ep.id}/replay`)
      .set(admin.auth)
      .send({ event_id: id })
      .expect(202);
    await waitFor(() => r.withId(id).length === 2, 'replayed delivery');
    await t
      .http()
      .post(`/admin/webhook-endpoints/${ep.id}/replay`)
      .set(admin.auth)
      .send({ event_id: 'msg_nope' })
      .expect(404);
  });

  it('endpoints are managed by admins and by API keys with endpoints:write only; unsafe URLs are refused', async () => {
    const writer = await createApiKey(t, admin, ['endpoints:write']);
    const reader = await createApiKey(t, admin, ['credits:read']);
    const r = await receiver();
    const res = await t
      .http()
      .post('/admin/webhook-endpoints')
      .set('Authorization', `Bearer ${writer.secret}`)
      .send({ url: r.url, events: ['credits.granted'], description: 'by key' })
      .expect(201);
    expect(res.body).toMatchObject({
      url: r.url,
      events: ['credits.granted'],
      enabled: true,
      secret: expect.stringMatching(/^whsec_/),
    });
    await t
      .http()
      .get('/admin/webhook-endpoints')
      .set('Authorization', `Bearer ${writer.secret}`)
      .expect(200);
    await t
      .http()
      .get('/admin/webhook-endpoints')
      .set('Authorization', `Bearer ${reader.secret}`)
      .expect(403);
    const user = await registerUser(t);
    await t.http().get('/admin/webhook-endpoints').set(user.auth).expect(403);
    for (const url of ['http://hooks.example.com/x', 'https://10.0.0.5/x', 'https://169.254.169.254/x']) {
      const refused = await t
        .http()
        .post('/admin/webhook-endpoints')
        .set(admin.auth)
        .send({ url, events: ['credits.low'] })
        .expect(400);
      expect(refused.body).toMatchObject({ code: 'WEBHOOK_ENDPOINT_URL_REFUSED' });
    }
    await t
      .http()
      .post('/admin/webhook-endpoints')
      .set(admin.auth)
      .send({ url: r.url, events: ['nope.nope'] })
      .expect(400);
    const list = (await t.http().get('/admin/webhook-endpoints').set(admin.auth).expect(200)).body as {
      endpoints: Endpoint[];
    };
    expect(JSON.stringify(list)).not.toContain('whsec_');
    const id = (res.body as Endpoint).id;
    await t.http().delete(`/admin/webhook-endpoints/${id}`).set(admin.auth).expect(204);
    await t.http().delete(`/admin/webhook-endpoints/${id}`).set(admin.auth).expect(404);
  });
});
