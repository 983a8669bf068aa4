import Stripe from 'stripe';
import { parseStripeApiUrl } from '../../src/stripe-emulator';
import { idOf } from '../../src/stripe-emulator/ids';
import { registerUser, TestUser } from '../factories/user.factory';
import { catalogPrice, createPackCheckout, settle, waitForCredits } from '../support/stripe-helpers';
import { createTestApp, TestApp, waitFor } from '../support/test-app';

/**
 * The saved card: a pack checkout keeps it for off-session use, a setup-mode Checkout saves one (and makes it the
 * default, through the verified webhook), GET shows brand + last4 + expiry only, DELETE detaches.
 */
describe('saved payment method (e2e)', () => {
  let t: TestApp;
  let stripe: Stripe;

  beforeAll(async () => {
    t = await createTestApp({ env: { FRONTEND_URL: 'https://app.example.com' } });
    stripe = new Stripe('sk_test_x', parseStripeApiUrl(t.emulator.url));
  });
  afterAll(async () => {
    await t.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await t.close();
  });

  const card = (user: TestUser) => t.http().get('/payments/payment-method').set(user.auth);

  it('before any purchase there is no card: 404 PAYMENT_METHOD_NOT_FOUND, and nothing to delete', async () => {
    const user = await registerUser(t);
    expect((await card(user).expect(404)).body.code).toBe('PAYMENT_METHOD_NOT_FOUND');
    const del = await t.http().delete('/payments/payment-method').set(user.auth).expect(404);
    expect(del.body.code).toBe('PAYMENT_METHOD_NOT_FOUND');
  });

  it('a pack checkout keeps the card for off-session use and shows only brand, last4 and expiry', async () => {
    const user = await registerUser(t);
    const pack = await catalogPrice(t, 'one_time', '100 Credits');
    const sessionId = await createPackCheckout(t, user, pack);
    const session = await stripe.checkout.sessions.retrieve(sessionId);
    expect(await t.emulator.completeCheckout(sessionId, { card: '5555555555554444' })).toEqual({ ok: true });
    await waitForCredits(t, user, 100);
    const pi = await stripe.paymentIntents.retrieve(
      idOf((await stripe.checkout.sessions.retrieve(session.id)).payment_intent),
    );
    expect(pi.setup_future_usage).toBe('off_session');
    const shown = (await card(user).expect(200)).body;
    expect(shown).toEqual({
      id: pi.payment_method,
      brand: 'mastercard',
      last4: '4444',
      exp_month: 12,
      exp_year: expect.any(Number),
    });
  });

  it('a setup-mode Checkout saves a card without charging and makes it the default; DELETE removes it', async () => {
    const user = await registerUser(t);
    const started = await t.http().post('/payments/payment-method/setup').set(user.auth).expect(200);
    const { session_id, checkout_url } = started.body as { session_id: string; checkout_url: string };
    expect(checkout_url).toContain(session_id);
    const remote = await stripe.checkout.sessions.retrieve(session_id);
    expect(remote).toMatchObject({
      mode: 'setup',
      client_reference_id: user.id,
      metadata: { user_id: user.id },
    });
    expect(await t.emulator.completeCheckout(session_id, { card: '4000002760003184' })).toEqual({ ok: true });
    await settle(t);
    const customerId = idOf(remote.customer);
    const customer = (await stripe.customers.retrieve(customerId)) as Stripe.Customer;
    const shown = (await card(user).expect(200)).body as { id: string; last4: string };
    expect(shown.last4).toBe('3184');
    expect(customer.invoice_settings.default_payment_method).toBe(shown.id);
    expect((await stripe.paymentIntents.list({ customer: customerId })).data).toEqual([]);
    // Setup sells nothing: no checkout row, no credits.
    const rows: unknown[] = await t.dataSource.query('SELECT 1 FROM checkout_sessions WHERE id = $1', [
      session_id,
    ]);
    expect(rows).toEqual([]);
    const [{ status }]: Array<{ status: string }> = await t.dataSource.query(
      `SELECT status FROM webhook_events WHERE type = 'checkout.session.completed' AND payload->'data'->'object'->>'id' = $1`,
      [session_id],
    );
    expect(status).toBe('processed');

    await t.http().delete('/payments/payment-method').set(user.auth).expect(204);
    await waitFor(async () => (await card(user)).status === 404, 'the card to be gone');
    expect((await stripe.customers.listPaymentMethods(customerId)).data).toEqual([]);
  });
});
