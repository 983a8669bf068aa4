import type Stripe from 'stripe';
import { registerUser, type TestUser } from '../factories/user.factory';
import { catalogPrice, createPackCheckout, credits, stripeOf } from '../support/stripe-helpers';
import { createTestApp, type TestApp } from '../support/test-app';

const BERLIN = { line1: 'Unter den Linden 1', city: 'Berlin', postal_code: '10115', country: 'DE' };

describe('tax: STRIPE_AUTOMATIC_TAX=true (e2e)', () => {
  let t: TestApp;
  let stripe: Stripe;
  let pack: { priceId: string; productId: string };
  let pro: { priceId: string; productId: string };

  beforeAll(async () => {
    t = await createTestApp({ env: { STRIPE_AUTOMATIC_TAX: 'true' } });
    stripe = stripeOf(t);
    pack = await catalogPrice(t, 'one_time', '100 Credits');
    pro = await catalogPrice(t, 'subscription', 'Pro Plan');
  });
  afterAll(async () => {
    await t.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await t.close();
  });

  const status = async (user: TestUser, sessionId: string) =>
    (await t.http().get(`/payments/checkout-session/${sessionId}`).set(user.auth).expect(200)).body as Record<
      string,
      unknown
    >;

  it('asks Stripe for automatic tax, a required billing address saved on the customer, and tax IDs', async () => {
    const user = await registerUser(t);
    const sessionId = await createPackCheckout(t, user, pack);
    const session = await stripe.checkout.sessions.retrieve(sessionId);
    expect(session).toMatchObject({
      automatic_tax: { enabled: true, status: 'requires_location_inputs' },
      billing_address_collection: 'required',
      tax_id_collection: { enabled: true },
      amount_total: 1999,
    });
    const plan = await t
      .http()
      .post('/payments/create-checkout-session')
      .set((await registerUser(t)).auth)
      .send({ price_id: pro.priceId, product_id: pro.productId })
      .expect(200);
    const sub = await stripe.checkout.sessions.retrieve((plan.body as { session_id: string }).session_id);
    expect(sub).toMatchObject({ automatic_tax: { enabled: true }, billing_address_collection: 'required' });
  });

  it('an EU customer pays the pack plus 19% VAT and is granted exactly the pack’s 100 credits', async () => {
    const user = await registerUser(t);
    const sessionId = await createPackCheckout(t, user, pack);
    expect(
      await t.emulator.completeCheckout(sessionId, { address: BERLIN, name: 'Erika Mustermann' }),
    ).toEqual({
      ok: true,
    });
    const done = await status(user, sessionId);
    expect(done).toMatchObject({ fulfilled: true, payment_status: 'paid' });
    expect(await credits(t, user)).toMatchObject({ purchased_credits: 100, total_credits: 100 });
    const paid = await stripe.checkout.sessions.retrieve(sessionId);
    expect(paid).toMatchObject({
      amount_subtotal: 1999,
      amount_total: 2379,
      total_details: { amount_tax: 380 },
    });
  });
});
