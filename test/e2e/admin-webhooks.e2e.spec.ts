import { CheckoutFulfilmentService } from '../../src/payments/checkout-fulfilment.service';
import { WebhookProcessor } from '../../src/webhooks/webhook-processor.service';
import { registerUser, TestUser } from '../factories/user.factory';
import {
  catalogPrice,
  credits,
  eventStatus,
  openCheckout,
  settle,
  settleAndVerify,
} from '../support/stripe-helpers';
import { createTestApp, TestApp, waitFor } from '../support/test-app';
import { NO_OVERAGE } from '../support/credit-shapes';

interface EventView {
  id: string;
  type: string;
  status: string;
  attempts: number;
  last_error: string | null;
  processed_at: string | null;
}

/** The checkout.session.completed inbox row of one session. */
async function completedEventOf(t: TestApp, sessionId: string): Promise<string> {
  return waitFor(async () => {
    const rows: Array<{ id: string }> = await t.dataSource.query(
      `SELECT id FROM webhook_events
        WHERE type = 'checkout.session.completed' AND payload->'data'->'object'->>'id' = $1`,
      [sessionId],
    );
    return rows[0]?.id;
  }, `checkout.session.completed of ${sessionId} stored`);
}

describe('admin webhook events (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  let user: TestUser;
  let pack: { productId: string; priceId: string };

  beforeAll(async () => {
    t = await createTestApp({ env: { WEBHOOK_MAX_ATTEMPTS: '2' } });
    admin = await registerUser(t, 'admin@tollgate.test');
    user = await registerUser(t);
    pack = await catalogPrice(t, 'one_time');
  });
  afterEach(() => settleAndVerify(t));
  afterAll(async () => t.close());

  it('is for admins only: 401 without a token, 403 for a user, 400 for an unknown status', async () => {
    for (const path of ['/admin/webhook-events', '/admin/webhook-events/evt_x']) {
      expect((await t.http().get(path)).status).toBe(401);
      expect((await t.http().get(path).set(user.auth)).status).toBe(403);
    }
    expect((await t.http().post('/admin/webhook-events/evt_x/retry')).status).toBe(401);
    expect((await t.http().post('/admin/webhook-events/evt_x/retry').set(user.auth)).status).toBe(403);
    const bad = await t.http().get('/admin/webhook-events?status=exploded').set(admin.auth).expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    await t.http().get('/admin/webhook-events?limit=0').set(admin.auth).expect(400);
  });

  it('answers 404 WEBHOOK_EVENT_NOT_FOUND for an unknown event, also on retry', async () => {
    const get = await t.http().get('/admin/webhook-events/evt_missing').set(admin.auth).expect(404);
    expect(get.body.code).toBe('WEBHOOK_EVENT_NOT_FOUND');
    const retry = await t.http().post('/admin/webhook-events/evt_missing/retry').set(admin.auth).expect(404);
    expect(retry.body.code).toBe('WEBHOOK_EVENT_NOT_FOUND');
  });

  it('lists events by status, shows one, and a retry of a dead event applies its effects exactly once', async () => {
    const buyers = [await registerUser(t), await registerUser(t)];
    const billing = t.app.get(CheckoutFulfilmentService);
    const failing = jest
      .spyOn(billing, 'prepareCheckout')
      .mockRejectedValue(new Error('simulated outage while reading the session'));
    const eventIds: string[] = [];
    let attempts: number;
    try {
      for (const buyer of buyers) {
        const session = await openCheckout(t, buyer, 'payment', pack.priceId);
        expect(await t.emulator.completeCheckout(session.id, { card: '4242424242424242' })).toEqual({
          ok: true,
        });
        eventIds.push(await completedEventOf(t, session.id));
      }
      // WEBHOOK_MAX_ATTEMPTS=2: the first attempt fails, the worker's retry fails, and it is dead.
      for (const id of eventIds) {
        await waitFor(async () => (await eventStatus(t, id))?.status === 'dead', `${id} dead`, 15_000);
      }
      attempts = failing.mock.calls.length;
    } finally {
      failing.mockRestore();
    }
    expect(attempts).toBe(4);
    await settle(t);
    for (const buyer of buyers) expect(await credits(t, buyer)).toMatchObject({ total_credits: 0 });

    const dead = (await t.http().get('/admin/webhook-events?status=dead').set(admin.auth).expect(200))
      .body as { events: EventView[] };
    expect(dead.events.map((e) => e.id).sort()).toEqual([...eventIds].sort());
    for (const e of dead.events) {
      expect(e).toMatchObject({ type: 'checkout.session.completed', status: 'dead', attempts: 2 });
      expect(e.last_error).toContain('simulated outage');
    }
    // The purchases' other events (charge.succeeded, customer.created, …) have no handler: ignored.
    const ignored = (
      await t.http().get('/admin/webhook-events?status=ignored&limit=500').set(admin.auth).expect(200)
    ).body as { events: EventView[] };
    expect(ignored.events.map((e) => e.type)).toContain('charge.succeeded');
    expect(ignored.events.every((e) => e.status === 'ignored')).toBe(true);
    // payment_intent.succeeded has a handler (auto top-up): a pack's is processed and changes nothing.
    const processed = (
      await t.http().get('/admin/webhook-events?status=processed&limit=500').set(admin.auth).expect(200)
    ).body as { events: EventView[] };
    expect(processed.events.every((e) => e.type === 'payment_intent.succeeded')).toBe(true);
    const all = (await t.http().get('/admin/webhook-events?limit=500').set(admin.auth).expect(200)).body as {
      events: EventView[];
    };
    expect(all.events.map((e) => e.id).sort()).toEqual(
      [...ignored.events.map((e) => e.id), ...processed.events.map((e) => e.id), ...eventIds].sort(),
    );

    const one = await t.http().get(`/admin/webhook-events/${eventIds[0]}`).set(admin.auth).expect(200);
    expect(one.body).toMatchObject({ id: eventIds[0], status: 'dead', attempts: 2, processed_at: null });

    const retried = await t
      .http()
      .post(`/admin/webhook-events/${eventIds[0]}/retry`)
      .set(admin.auth)
      .expect(200);
    expect(retried.body).toMatchObject({
      id: eventIds[0],
      status: 'processed',
      attempts: 3,
      last_error: null,
    });
    expect(await credits(t, buyers[0])).toMatchObject({ purchased_credits: 100 });

    // The retry worker may win the claim of a requeued event; the answer still shows the outcome.
    const processor = t.app.get(WebhookProcessor);
    const original = processor.processById.bind(processor);
    const workerWins = jest.spyOn(processor, 'processById').mockImplementationOnce(async (id) => {
      processor.track(original(id)); // the worker's run, in the background
      return 'not_due';
    });
    try {
      const raced = await t
        .http()
        .post(`/admin/webhook-events/${eventIds[1]}/retry`)
        .set(admin.auth)
        .expect(200);
      expect(raced.body).toMatchObject({ id: eventIds[1], status: 'processed', attempts: 3 });
    } finally {
      workerWins.mockRestore();
    }

    // A processed event is left as it is: nothing runs again.
    const again = await t
      .http()
      .post(`/admin/webhook-events/${eventIds[0]}/retry`)
      .set(admin.auth)
      .expect(200);
    expect(again.body).toMatchObject({ status: 'processed', attempts: 3 });
    await settle(t);
    for (const buyer of buyers) {
      expect(await credits(t, buyer)).toEqual({
        monthly_credits: 0,
        purchased_credits: 100,
        promotional_credits: 0,
        total_credits: 100,
        held_credits: 0,
        expiring: [],
        overage: NO_OVERAGE,
      });
      const ledger = (await t.http().get('/credits/ledger').set(buyer.auth).expect(200)).body as {
        entries: Array<{ reason: string }>;
      };
      expect(ledger.entries.map((e) => e.reason)).toEqual(['purchase']);
    }
  });
});
