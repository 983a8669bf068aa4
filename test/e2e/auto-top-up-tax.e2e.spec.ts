import type Stripe from 'stripe';
import { reconcile } from '../../src/cli/stripe-reconcile';
import { idOf } from '../../src/stripe-emulator/ids';
import { registerUser, type TestUser } from '../factories/user.factory';
import {
  catalogPrice,
  createPackCheckout,
  credits,
  deliver,
  expectLedgerConsistent,
  settle,
  stripeOf,
  waitForCredits,
} from '../support/stripe-helpers';
import { createTestApp, waitFor, type TestApp } from '../support/test-app';

const BERLIN = { line1: 'Unter den Linden 1', city: 'Berlin', postal_code: '10115', country: 'DE' };

/**
 * Auto top-up with tax on (STRIPE_AUTOMATIC_TAX=true): the pack is charged through a one-off invoice with
 * automatic tax (an invoice item for the pack's price, charge_automatically, finalized, paid off-session), and
 * its credits are granted once however the invoice's events arrive. Tax off (the bare PaymentIntent) is
 * test/e2e/auto-top-up.e2e.spec.ts.
 */
describe('auto top-up with automatic tax (e2e)', () => {
  let t: TestApp;
  let stripe: Stripe;
  let pack: { priceId: string; productId: string };

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        STRIPE_AUTOMATIC_TAX: 'true',
        FRONTEND_URL: 'https://app.example.com',
        AUTO_TOP_UP_WORKER_INTERVAL_MS: '50',
        OUTBOUND_WORKER_INTERVAL_MS: '60000',
      },
    });
    stripe = stripeOf(t);
    pack = await catalogPrice(t, 'one_time', '100 Credits');
  });
  afterAll(async () => {
    await t.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await t.close();
  });

  /** A customer in Berlin who bought the pack at checkout (their card and address are kept). */
  const berliner = async (card = '4242424242424242') => {
    const user = await registerUser(t);
    const sessionId = await createPackCheckout(t, user, pack);
    expect(await t.emulator.completeCheckout(sessionId, { card, address: BERLIN, name: 'Erika' })).toEqual({
      ok: true,
    });
    await waitForCredits(t, user, 100);
    const customer = idOf((await stripe.checkout.sessions.retrieve(sessionId)).customer);
    return { user, customer };
  };
  const turnOn = (user: TestUser) =>
    t
      .http()
      .put('/credits/auto-top-up')
      .set(user.auth)
      .send({ enabled: true, threshold: 100, price_id: pack.priceId, max_per_month: 5 })
      .expect(200);
  const consume = (user: TestUser, amount: number) =>
    t.http().post('/credits/consume').set(user.auth).send({ amount, reason: 'job' }).expect(200);
  const attempts = (user: TestUser) =>
    t.dataSource.query<Array<{ status: string; payment_intent_id: string | null }>>(
      `SELECT status, payment_intent_id FROM auto_top_up_attempts WHERE user_id = $1 ORDER BY id`,
      [user.id],
    );
  const topUpInvoices = async (customer: string) =>
    (await stripe.invoices.list({ customer, limit: 100 })).data.filter(
      (i) => i.metadata?.auto_top_up_attempt,
    );

  it('charges the pack plus 19% VAT through an invoice with automatic tax, and grants the credits once', async () => {
    const { user, customer } = await berliner();
    await turnOn(user);
    await consume(user, 10); // 100 → 90: one crossing
    await waitForCredits(t, user, 190);

    const [invoice] = await topUpInvoices(customer);
    expect(await topUpInvoices(customer)).toHaveLength(1);
    expect(invoice).toMatchObject({
      status: 'paid',
      billing_reason: 'manual',
      collection_method: 'charge_automatically',
      automatic_tax: { enabled: true, status: 'complete' },
      currency: 'usd',
      subtotal: 1999,
      total: 2379,
      amount_paid: 2379,
      metadata: { user_id: user.id, price_id: pack.priceId, credits: '100' },
    });
    expect(invoice.total_taxes?.map((x) => x.amount)).toEqual([380]);
    expect(invoice.lines.data).toHaveLength(1);
    expect(invoice.lines.data[0].pricing?.price_details?.price).toBe(pack.priceId);
    // No bare top-up PaymentIntent: the invoice's own one carries no top-up metadata.
    const pis = (await stripe.paymentIntents.list({ customer, limit: 100 })).data;
    expect(pis.filter((p) => p.metadata?.auto_top_up_attempt)).toEqual([]);
    const paidWith = (await stripe.invoices.retrieve(invoice.id, { expand: ['payments'] })).payments?.data[0]
      ?.payment?.payment_intent;
    expect(await attempts(user)).toEqual([{ status: 'succeeded', payment_intent_id: idOf(paidWith) }]);

    // invoice.paid and the invoice's payment_intent.succeeded arrive (and again, duplicated): still one grant.
    await settle(t);
    const events = (await stripe.events.list({ limit: 100 })).data.filter(
      (e) =>
        (e.type === 'invoice.paid' && e.data.object.id === invoice.id) ||
        (e.type === 'payment_intent.succeeded' && e.data.object.id === idOf(paidWith)),
    );
    expect(events.map((e) => e.type).sort()).toEqual(['invoice.paid', 'payment_intent.succeeded']);
    for (const e of events) expect((await deliver(t, e)).status).toBe(200);
    await settle(t);
    expect((await credits(t, user)).total_credits).toBe(190);
    const [purchase] = await t.dataSource.query<Array<{ amount_total: string; payment_intent_id: string }>>(
      `SELECT amount_total, payment_intent_id FROM credit_purchases WHERE checkout_session_id = $1`,
      [invoice.id],
    );
    expect(purchase).toMatchObject({ payment_intent_id: idOf(paidWith) });
    expect(Number(purchase.amount_total)).toBe(2379);
    await expectLedgerConsistent(t);
  });

  it('a 3-D Secure card: the invoice waits, payment.action_required links Stripe’s hosted invoice page, nothing granted', async () => {
    const { user, customer } = await berliner();
    // The customer then saves a card that needs 3-D Secure (a setup-mode Checkout): top-ups use it.
    const setup = await t.http().post('/payments/payment-method/setup').set(user.auth).expect(200);
    const setupId = (setup.body as { session_id: string }).session_id;
    expect(await t.emulator.completeCheckout(setupId, { card: '4000002760003184' })).toEqual({ ok: true });
    await waitFor(
      async () =>
        ((await t.http().get('/payments/payment-method').set(user.auth)).body as { last4?: string }).last4 ===
        '3184',
      'the 3-D Secure card saved',
    );
    await turnOn(user);
    await consume(user, 10);
    await waitFor(async () => (await attempts(user))[0]?.status === 'requires_action', 'requires_action');
    await settle(t);
    const [invoice] = await topUpInvoices(customer);
    expect(invoice).toMatchObject({ status: 'open', automatic_tax: { enabled: true }, amount_due: 2379 });
    const [action] = await t.dataSource.query<Array<{ payload: { data: Record<string, unknown> } }>>(
      `SELECT payload FROM outbound_events WHERE user_id = $1 AND type = 'payment.action_required'`,
      [user.id],
    );
    expect(action.payload.data).toMatchObject({
      invoice_id: invoice.id,
      confirm_url: invoice.hosted_invoice_url,
      source: 'auto_top_up',
      reason: 'authentication_required',
      amount: 2379,
    });
    expect((await credits(t, user)).total_credits).toBe(90);
    // What the confirm page sees and does: Stripe's hosted invoice page, where the invoice is paid.
    const state = await t.http().get('/credits/auto-top-up').set(user.auth).expect(200);
    expect(state.body.pending_payment).toMatchObject({
      amount: 2379,
      credits: 100,
      confirm_url: invoice.hosted_invoice_url,
    });
    const confirm = await t
      .http()
      .post('/credits/auto-top-up/confirm')
      .set(user.auth)
      .send({ payment_intent_id: state.body.pending_payment.payment_intent_id as string })
      .expect(200);
    expect(confirm.body).toMatchObject({ redirect_url: invoice.hosted_invoice_url, granted: false });
    expect(await stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'open' });

    // The customer pays it on the hosted invoice page (passing the bank's step there) while the webhook endpoint
    // is down: stripe:reconcile finds the paid top-up invoice never granted, and grants it once with fix; the
    // late invoice.paid changes nothing.
    t.emulator.pauseDeliveries();
    try {
      const page = await fetch(invoice.hosted_invoice_url!, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'outcome=pass',
      });
      expect(await page.text()).toContain('Status: paid');
      const report = await reconcile(t.app);
      expect(report.top_ups.missing).toEqual([
        expect.objectContaining({ invoice_id: invoice.id, user_id: user.id, credits: 100, amount: 2379 }),
      ]);
      expect(report.exitCode).toBe(2);
      expect((await credits(t, user)).total_credits).toBe(90);
      const fixed = await reconcile(t.app, { fix: true });
      expect(fixed.top_ups).toMatchObject({ granted: 1, unresolved: [] });
      expect((await credits(t, user)).total_credits).toBe(190);
      expect((await attempts(user)).map((a) => a.status)).toEqual(['succeeded']);
    } finally {
      t.emulator.resumeDeliveries();
    }
    await settle(t);
    expect((await credits(t, user)).total_credits).toBe(190);
    expect((await reconcile(t.app)).top_ups).toMatchObject({ missing: [] });
    await expectLedgerConsistent(t);
  });
});
