import { Logger } from '@nestjs/common';
import { registerUser, type TestUser } from '../factories/user.factory';
import { catalogPrice, credits, stripeOf, waitForCredits } from '../support/stripe-helpers';
import { WebhookReceiver } from '../support/webhook-receiver';
import { createTestApp, type TestApp, waitFor } from '../support/test-app';

/** Checks out `item` through the real route, pays on the emulator and waits for the credits to arrive. */
async function buy(t: TestApp, user: TestUser, route: string, name: string, total: number): Promise<void> {
  const item = await catalogPrice(t, route.endsWith('onetime') ? 'one_time' : 'subscription', name);
  const created = await t
    .http()
    .post(route)
    .set(user.auth)
    .send({ price_id: item.priceId, product_id: item.productId })
    .expect(200);
  const sessionId = (created.body as { session_id: string }).session_id;
  expect(await t.emulator.completeCheckout(sessionId)).toEqual({ ok: true });
  await waitForCredits(t, user, total);
}

/** Pro (14-day trial, 100 a month) and then the 100-credit pack. */
async function subscribeAndBuy(t: TestApp, user: TestUser): Promise<void> {
  await buy(t, user, '/payments/create-checkout-session', 'Pro Plan', 100);
  await buy(t, user, '/payments/create-checkout-session-onetime', '100 Credits', 200);
}

const subscription = async (t: TestApp, user: TestUser) =>
  (await t.http().get('/payments/get-user-subscription').set(user.auth).expect(200)).body as {
    status: string;
    next_renew: string;
  };

describe('demo (e2e): the page and time travel', () => {
  describe('with DEMO_TIME_TRAVEL on the emulator', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { DEMO_TIME_TRAVEL: 'true', OUTBOUND_WORKER_INTERVAL_MS: '50' } });
    });
    afterAll(async () => {
      await t.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
      await t.close();
      await receiver?.stop();
    });
    let receiver: WebhookReceiver | undefined;

    it('serves the demo page and its module at /demo (and checkout return pages)', async () => {
      const page = await t.http().get('/demo').expect(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.text).toContain('<script type="module" src="/demo/assets/app.js">');
      await t.http().get('/demo/payments/success?session_id=cs_test_x').expect(200);
      const js = await t.http().get('/demo/assets/app.js').expect(200);
      expect(js.headers['content-type']).toMatch(/javascript/);
    });

    it("renews, fails a renewal (past_due) and refunds a pack on the caller's own clock", async () => {
      // An outbound endpoint hears the subscription's life: updated at the trial's end, payment.failed, canceled.
      const admin = await registerUser(t, 'admin@tollgate.test');
      receiver = await new WebhookReceiver().start();
      const endpoint = await t
        .http()
        .post('/admin/webhook-endpoints')
        .set(admin.auth)
        .send({
          url: receiver.url,
          events: ['subscription.updated', 'subscription.canceled', 'payment.failed'],
        })
        .expect(201);
      receiver.secrets = [(endpoint.body as { secret: string }).secret];
      const heard = (type: string) => receiver!.received.filter((d) => d.payload.type === type);
      const user = await registerUser(t);
      await subscribeAndBuy(t, user);
      expect((await subscription(t, user)).status).toBe('trialing');
      await t.http().post('/credits/consume').set(user.auth).send({ amount: 1, reason: 'demo' }).expect(200);

      // Trial end: the first paid period starts, the monthly allowance is reset to 100.
      const renewed = await t.http().post('/dev/time-travel/renewal').set(user.auth).expect(200);
      expect(renewed.body).toMatchObject({ test_clock: expect.stringMatching(/^clock_/) });
      await waitFor(async () => (await subscription(t, user)).status === 'active', 'active after the trial');
      await waitFor(async () => (await credits(t, user)).monthly_credits === 100, 'allowance reset');

      await t.http().post('/dev/time-travel/fail-next-renewal').set(user.auth).expect(200);
      await t.http().post('/dev/time-travel/renewal').set(user.auth).expect(200);
      await waitFor(async () => (await subscription(t, user)).status === 'past_due', 'past_due');
      await waitFor(() => heard('payment.failed').length === 1, 'payment.failed delivered');
      expect(heard('payment.failed')[0].payload).toMatchObject({ user_id: user.id });
      const updates = heard('subscription.updated').map((d) => (d.payload.data as { status: string }).status);
      expect(updates).toEqual(expect.arrayContaining(['active', 'past_due']));

      await t.http().post('/dev/time-travel/refund-last-purchase').set(user.auth).expect(200);
      await waitFor(async () => (await credits(t, user)).purchased_credits === 0, 'pack clawed back');

      // The only pack is refunded: nothing left to refund is the documented 404, not a 502 with a logged stack.
      const errors = jest.spyOn(Logger.prototype, 'error');
      try {
        const again = await t.http().post('/dev/time-travel/refund-last-purchase').set(user.auth);
        expect({ status: again.status, code: (again.body as { code: string }).code }).toEqual({
          status: 404,
          code: 'NOT_FOUND',
        });
        expect(errors).not.toHaveBeenCalled();
      } finally {
        errors.mockRestore();
      }

      // Back to the checkout card: the subscription's declining card is cleared, and the next renewal is paid.
      const sub = async () => {
        const [row]: Array<{ id: string }> = await t.dataSource.query(
          'SELECT id FROM subscriptions WHERE user_id = $1',
          [user.id],
        );
        return stripeOf(t).subscriptions.retrieve(row.id);
      };
      expect((await sub()).default_payment_method).toBe('pm_card_chargeCustomerFail');
      await t.http().post('/dev/time-travel/restore-card').set(user.auth).expect(200);
      expect((await sub()).default_payment_method).toBeFalsy();
      await t.http().post('/dev/time-travel/renewal').set(user.auth).expect(200);
      await waitFor(
        async () => (await subscription(t, user)).status === 'active',
        'active with the checkout card',
      );

      await stripeOf(t).subscriptions.cancel((await sub()).id);
      await waitFor(() => heard('subscription.canceled').length === 1, 'subscription.canceled delivered');
      expect(heard('subscription.canceled')[0].payload).toMatchObject({
        user_id: user.id,
        data: { status: 'canceled' },
      });
    });

    it('skips the trial; a renewal of a plan with overage passes the draft hour and bills the overage line', async () => {
      const user = await registerUser(t);
      await t.http().post('/dev/time-travel/skip-trial').set(user.auth).expect(204);
      await buy(t, user, '/payments/create-checkout-session', 'Business Plan', 500);
      expect((await subscription(t, user)).status).toBe('active'); // no trial
      await t.http().post('/credits/consume').set(user.auth).send({ amount: 600 }).expect(200);
      expect((await t.http().get('/credits').set(user.auth).expect(200)).body.overage).toMatchObject({
        enabled: true,
        used: 100,
        amount_due: 2,
      });

      const renewed = await t.http().post('/dev/time-travel/renewal').set(user.auth).expect(200);
      const invoiceId = (renewed.body as { invoice_id: string }).invoice_id;
      expect(invoiceId).toMatch(/^in_/);
      const res = await t.http().get('/payments/invoices').set(user.auth).expect(200);
      const invoice = (res.body as { invoices: Array<Record<string, unknown>> }).invoices.find(
        (i) => i.id === invoiceId,
      );
      expect(invoice).toMatchObject({
        status: 'paid',
        billing_reason: 'subscription_cycle',
        total: 7999 + 2,
      });
      expect(invoice!.lines).toEqual([
        expect.objectContaining({ quantity: 1, amount: 7999, overage: false }),
        expect.objectContaining({ quantity: 100, amount: 2, overage: true }),
      ]);
      // The renewal was charged: its invoice.paid starts the next period, with the monthly credits again.
      await waitForCredits(t, user, 500);
    });

    it('answers 404 CUSTOMER_NOT_FOUND before any purchase, 401 without a token', async () => {
      const user = await registerUser(t);
      const res = await t.http().post('/dev/time-travel/renewal').set(user.auth).expect(404);
      expect(res.body).toMatchObject({ code: 'CUSTOMER_NOT_FOUND' });
      await t.http().post('/dev/time-travel/renewal').expect(401);
    });
  });

  describe('with time travel and the demo off (the test default for time travel; production for both)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { DEMO_ENABLED: 'false' } });
    });
    afterAll(async () => {
      await t.close();
    });

    it('refuses time travel with 403 and serves no demo page', async () => {
      const user = await registerUser(t);
      const res = await t.http().post('/dev/time-travel/renewal').set(user.auth).expect(403);
      expect(res.body).toMatchObject({
        code: 'FORBIDDEN',
        message: expect.stringContaining('DEMO_TIME_TRAVEL'),
      });
      await t.http().post('/dev/time-travel/skip-trial').set(user.auth).expect(403);
      await t.http().get('/demo').expect(404);
      await t.http().get('/demo/assets/app.js').expect(404);
    });
  });
});
