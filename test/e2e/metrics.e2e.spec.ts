import { registerUser } from '../factories/user.factory';
import { catalogPrice, createPackCheckout, deliver, waitForCredits } from '../support/stripe-helpers';
import { metricTotal, parsePrometheus } from '../support/prometheus';
import { createTestApp, TestApp, waitFor } from '../support/test-app';

const TOKEN = 'metrics-token-for-the-e2e-test';

const parse = parsePrometheus;
const total = metricTotal;

describe('Prometheus metrics at /metrics (e2e)', () => {
  let t: TestApp;
  const scrape = async () => {
    const res = await t.http().get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    return parse(res.text);
  };

  beforeAll(async () => {
    t = await createTestApp({ env: { METRICS_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await t.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await t.close();
  });

  it('refuses a scrape without the bearer token or with a wrong one, in the error body every route uses', async () => {
    const missing = await t.http().get('/metrics').expect(401);
    expect(missing.body).toMatchObject({ code: 'AUTH_TOKEN_MISSING' });
    const wrong = await t
      .http()
      .get('/metrics')
      .set('Authorization', 'Bearer not-the-token-at-all')
      .expect(401);
    expect(wrong.body).toMatchObject({ code: 'AUTH_TOKEN_INVALID' });
  });

  it('after a credit-pack purchase: checkout, payment, webhook, credits, Stripe and HTTP series all moved', async () => {
    const before = await scrape();
    const pack = await catalogPrice(t, 'one_time', '100 Credits');
    const user = await registerUser(t);
    const session_id = await createPackCheckout(t, user, pack);
    await t.emulator.completeCheckout(session_id, { card: '4242424242424242' });
    await waitForCredits(t, user, 100);
    await t.http().post('/credits/consume').set(user.auth).send({ amount: 3 }).expect(200);
    await t.http().post('/credits/consume').set(user.auth).send({ amount: 1000 }).expect(402);
    const forged = await deliver(
      t,
      { id: 'evt_bad_sig', type: 'ping', data: { object: {} } },
      { secret: 'whsec_wrong' },
    );
    expect(forged.status).toBe(400);

    // Webhook processing finishes after the HTTP answer: poll until the processed outcome is counted.
    const after = await waitFor(async () => {
      const m = await scrape();
      return total(m, 'tollgate_webhook_deliveries_total', 'outcome="processed"') >
        total(before, 'tollgate_webhook_deliveries_total', 'outcome="processed"')
        ? m
        : undefined;
    }, 'a processed webhook in /metrics');

    const moved = (name: string, ...labels: string[]) =>
      total(after, name, ...labels) - total(before, name, ...labels);
    expect(moved('tollgate_checkouts_created_total', 'mode="payment"')).toBe(1);
    expect(moved('tollgate_payments_total', 'result="succeeded"', 'kind="credit_pack"')).toBe(1);
    expect(moved('tollgate_webhook_deliveries_total', 'outcome="received"')).toBeGreaterThanOrEqual(1);
    expect(moved('tollgate_webhook_deliveries_total', 'outcome="signature_failed"')).toBe(1);
    expect(moved('tollgate_credits_granted_total', 'reason="purchase"')).toBe(100);
    expect(moved('tollgate_credits_consumed_total')).toBe(3);
    expect(moved('tollgate_credits_consume_failures_total', 'reason="insufficient_credits"')).toBe(1);
    expect(moved('tollgate_stripe_api_request_duration_seconds_count', 'path="/v1/checkout/sessions"')).toBe(
      1,
    );
    expect(
      moved(
        'tollgate_http_request_duration_seconds_count',
        'route="/payments/create-checkout-session-onetime"',
        'method="POST"',
        'status="200"',
      ),
    ).toBe(1);
    expect(after.has('tollgate_webhook_inbox_backlog')).toBe(true);
    expect(after.has('tollgate_webhook_inbox_oldest_pending_seconds')).toBe(true);
    expect(after.has('process_cpu_user_seconds_total')).toBe(true);
  });
});
