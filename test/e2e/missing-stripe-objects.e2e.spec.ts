import { Logger } from '@nestjs/common';
import { registerUser, TestUser } from '../factories/user.factory';
import { metricTotal, parsePrometheus } from '../support/prometheus';
import { deliver, eventStatus } from '../support/stripe-helpers';
import { createTestApp, TestApp, waitFor } from '../support/test-app';

/**
 * One policy when a handler cannot find its object at Stripe: retry with backoff, then `dead`, visible in
 * /admin/webhook-events with the reason, and a warn line — for every handler family, never processed silently.
 */
const METRICS_TOKEN = 'metrics-token-for-the-dead-outcome';

describe('webhooks whose object is missing at Stripe (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  let warn: jest.SpyInstance;

  beforeAll(async () => {
    t = await createTestApp({ env: { WEBHOOK_MAX_ATTEMPTS: '2', METRICS_TOKEN: METRICS_TOKEN } });
    admin = await registerUser(t, 'admin@tollgate.test');
  });
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn');
  });
  afterEach(() => warn.mockRestore());
  afterAll(async () => t.close());

  const invoiceEvent = (id: string, type: string, subscription: string) => ({
    id,
    object: 'event',
    type,
    created: Math.floor(Date.now() / 1000),
    data: {
      object: {
        id: `in_${id}`,
        object: 'invoice',
        billing_reason: 'subscription_cycle',
        parent: { type: 'subscription_details', subscription_details: { subscription } },
        lines: { object: 'list', data: [] },
      },
    },
  });

  const deadCount = async () => {
    const res = await t.http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    return metricTotal(parsePrometheus(res.text), 'tollgate_webhook_deliveries_total', 'outcome="dead"');
  };

  async function expectDeadAndVisible(id: string, missing: string, deadBefore: number) {
    await waitFor(async () => (await eventStatus(t, id))?.status === 'dead', `${id} dead`, 15_000);
    // The `dead` outcome is counted once, for alerting (tollgate_webhook_deliveries_total{outcome="dead"}).
    await waitFor(async () => (await deadCount()) === deadBefore + 1, `${id} counted dead`);
    const res = await t.http().get(`/admin/webhook-events/${id}`).set(admin.auth).expect(200);
    expect(res.body).toMatchObject({ id, status: 'dead', attempts: 2, processed_at: null });
    expect(res.body.last_error).toContain(missing);
    const listed = await t.http().get('/admin/webhook-events?status=dead').set(admin.auth).expect(200);
    expect((listed.body.events as Array<{ id: string }>).map((e) => e.id)).toContain(id);
    const lines = warn.mock.calls.filter(([obj]) => (obj as { event_id?: string })?.event_id === id);
    expect(lines.length).toBe(2);
    expect(lines[0][0]).toMatchObject({ stripe_object_missing: true });
  }

  it.each(['invoice.paid', 'invoice.payment_failed'])(
    '%s for a subscription Stripe does not know retries, then ends dead',
    async (type) => {
      const id = `evt_missing_${type.replace(/\W/g, '_')}`;
      const deadBefore = await deadCount();
      expect((await deliver(t, invoiceEvent(id, type, 'sub_gone_at_stripe'))).status).toBe(200);
      await expectDeadAndVisible(id, 'subscription sub_gone_at_stripe is missing at Stripe', deadBefore);
    },
  );

  it('checkout.session.completed for a session Stripe does not know retries, then ends dead', async () => {
    const id = 'evt_missing_checkout';
    const event = {
      id,
      object: 'event',
      type: 'checkout.session.completed',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'cs_gone_at_stripe', object: 'checkout.session' } },
    };
    const deadBefore = await deadCount();
    expect((await deliver(t, event)).status).toBe(200);
    await expectDeadAndVisible(id, 'cs_gone_at_stripe', deadBefore);
  });

  it('an invoice with no subscription (one-off) is still simply processed', async () => {
    const id = 'evt_one_off_invoice';
    const event = invoiceEvent(id, 'invoice.paid', 'x');
    (event.data.object as { parent: unknown }).parent = null;
    expect((await deliver(t, event)).status).toBe(200);
    await waitFor(async () => (await eventStatus(t, id))?.status === 'processed', `${id} processed`);
  });
});
