import Stripe from 'stripe';
import { parseStripeApiUrl } from '../../src/stripe-emulator';
import { registerUser, TestUser } from '../factories/user.factory';
import { createTestApp, TestApp } from '../support/test-app';
import { NO_OVERAGE } from '../support/credit-shapes';

interface CatalogItem {
  productId: string;
  priceId: string;
}

const catalogItem = async (
  t: TestApp,
  type: 'subscription' | 'one_time',
  name: string,
): Promise<CatalogItem> => {
  const res = await t.http().get(`/payments/products/?product_type=${type}`).expect(200);
  const products = (
    res.body as { products: Array<{ id: string; name: string; price: { price_id: string } }> }
  ).products;
  const product = products.find((p) => p.name === name);
  if (!product) throw new Error(`catalog has no ${type} "${name}"`);
  return { productId: product.id, priceId: product.price.price_id };
};

const buyCredits = (t: TestApp, user: TestUser, item: CatalogItem, extra: Record<string, unknown> = {}) =>
  t
    .http()
    .post('/payments/create-checkout-session-onetime')
    .set(user.auth)
    .send({ price_id: item.priceId, product_id: item.productId, ...extra });

describe('payments: credit packages (e2e)', () => {
  let t: TestApp;
  let stripe: Stripe;
  let pack: CatalogItem;
  let pro: CatalogItem;

  const status = async (user: TestUser, sessionId: string) =>
    (await t.http().get(`/payments/checkout-session/${sessionId}`).set(user.auth).expect(200)).body as {
      session_id: string;
      status: string;
      payment_status: string;
      mode: string;
      fulfilled: boolean;
      subscription: unknown;
      credits: { monthly_credits: number; purchased_credits: number; total_credits: number };
    };

  beforeAll(async () => {
    t = await createTestApp({ env: { FRONTEND_URL: 'https://app.example.com' } });
    stripe = new Stripe('sk_test_x', parseStripeApiUrl(t.emulator.url));
    pack = await catalogItem(t, 'one_time', '100 Credits');
    pro = await catalogItem(t, 'subscription', 'Pro Plan');
  });
  afterAll(async () => {
    await t.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await t.close();
  });

  it('buys 100 credits: a payment-mode checkout with promotion codes allowed, credited once paid', async () => {
    const user = await registerUser(t);
    const created = await buyCredits(t, user, pack).expect(200);
    const { session_id, checkout_url } = created.body as { session_id: string; checkout_url: string };
    expect(checkout_url).toMatch(/^https?:\/\//);
    const remote = await stripe.checkout.sessions.retrieve(session_id);
    expect(remote).toMatchObject({
      mode: 'payment',
      allow_promotion_codes: true,
      client_reference_id: user.id,
      metadata: { user_id: user.id },
      currency: 'usd',
      amount_total: 1999,
      success_url: 'https://app.example.com/payments/success?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://app.example.com/payments/cancel',
    });

    expect(await t.emulator.completeCheckout(session_id, { card: '4242424242424242' })).toEqual({ ok: true });
    const done = await status(user, session_id);
    expect(done).toEqual({
      session_id,
      status: 'complete',
      payment_status: 'paid',
      mode: 'payment',
      fulfilled: true,
      subscription: null,
      credits: { monthly_credits: 0, purchased_credits: 100, promotional_credits: 0, total_credits: 100, held_credits: 0, expiring: [], overage: NO_OVERAGE },
      last_payment_error: null,
      // Tax off (the default): no tax, no tax status.
      amounts: {
        currency: 'usd',
        subtotal: 1999,
        discount: 0,
        tax: 0,
        total: 1999,
        tax_status: null,
        taxes: [],
      },
    });
    // Reading it again (success page reload) grants nothing more.
    expect((await status(user, session_id)).credits.total_credits).toBe(100);
  });

  it('buys credits with a promotion code: pays the discounted amount, still gets all the credits', async () => {
    const coupon = await stripe.coupons.create({ percent_off: 50, duration: 'once' });
    const code = `HALF${Date.now()}`;
    await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code });

    const user = await registerUser(t);
    const { session_id } = (await buyCredits(t, user, pack).expect(200)).body as { session_id: string };
    expect(await t.emulator.completeCheckout(session_id, { promotionCode: code })).toEqual({ ok: true });
    const done = await status(user, session_id);
    expect(done).toMatchObject({ fulfilled: true, payment_status: 'paid' });
    expect(done.credits).toEqual({ monthly_credits: 0, purchased_credits: 100, promotional_credits: 0, total_credits: 100, held_credits: 0, expiring: [], overage: NO_OVERAGE });
    const remote = await stripe.checkout.sessions.retrieve(session_id);
    // Half of $19.99, whichever way the half cent rounds.
    expect([999, 1000]).toContain(remote.amount_total);
    expect((remote.amount_total ?? 0) + (remote.total_details?.amount_discount ?? 0)).toBe(1999);
  });

  it('grants nothing for a declined card (4000000000000002): card_declined, session still open', async () => {
    const user = await registerUser(t);
    const { session_id } = (await buyCredits(t, user, pack).expect(200)).body as { session_id: string };
    const declined = await t.emulator.completeCheckout(session_id, { card: '4000000000000002' });
    expect(declined.ok).toBe(false);
    expect(declined.error?.code).toBe('card_declined');
    const after = await status(user, session_id);
    expect(after).toMatchObject({
      status: 'open',
      payment_status: 'unpaid',
      fulfilled: false,
      subscription: null,
      // What the success/cancel page tells the customer: the spec's message for the decline code.
      last_payment_error: {
        code: 'CARD_DECLINED',
        message: 'Your card was declined. Please try a different payment method.',
        decline_code: 'generic_decline',
      },
    });
    expect(after.credits).toEqual({ monthly_credits: 0, purchased_credits: 0, promotional_credits: 0, total_credits: 0, held_credits: 0, expiring: [], overage: NO_OVERAGE });
    const balance = (await t.http().get('/credits').set(user.auth).expect(200)).body as {
      total_credits: number;
    };
    expect(balance.total_credits).toBe(0);
  });

  it('rejects a subscription plan on the one-time route and a package on the subscription route', async () => {
    const user = await registerUser(t);
    expect((await buyCredits(t, user, pro).expect(404)).body.code).toBe('PRICE_NOT_FOUND');
    const wrongProduct = await buyCredits(t, user, {
      priceId: pack.priceId,
      productId: pro.productId,
    }).expect(404);
    expect(wrongProduct.body.code).toBe('PRODUCT_NOT_FOUND');
    const bad = await buyCredits(t, user, { priceId: 'ghi789', productId: pack.productId }).expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
  });

  it('sells in a supported currency, then keeps the customer in it: 409 CURRENCY_MISMATCH for another', async () => {
    const user = await registerUser(t);
    const unsupported = await buyCredits(t, user, pack, { currency: 'jpy' }).expect(400);
    expect(unsupported.body.code).toBe('UNSUPPORTED_CURRENCY');

    const { session_id } = (await buyCredits(t, user, pack, { currency: 'EUR' }).expect(200)).body as {
      session_id: string;
    };
    const remote = await stripe.checkout.sessions.retrieve(session_id);
    expect(remote).toMatchObject({ currency: 'eur', amount_total: 1899 });
    expect((await t.emulator.completeCheckout(session_id)).ok).toBe(true);
    expect((await status(user, session_id)).fulfilled).toBe(true);

    const customer = (
      await t.dataSource.query<Array<{ customer_id: string }>>(
        'SELECT customer_id FROM users WHERE id = $1',
        [user.id],
      )
    )[0].customer_id;
    const sessionsBefore = (await stripe.checkout.sessions.list({ customer, limit: 100 })).data.length;
    const usd = await buyCredits(t, user, pack, { currency: 'usd' }).expect(409);
    expect(usd.body.code).toBe('CURRENCY_MISMATCH');
    expect(usd.body.message).toContain('EUR');
    const usdPlan = await t
      .http()
      .post('/payments/create-checkout-session')
      .set(user.auth)
      .send({ price_id: pro.priceId, product_id: pro.productId, currency: 'usd' })
      .expect(409);
    expect(usdPlan.body.code).toBe('CURRENCY_MISMATCH');
    // Refused before anything was created at Stripe.
    expect((await stripe.checkout.sessions.list({ customer, limit: 100 })).data.length).toBe(sessionsBefore);

    // Without a currency, the customer's own currency is chosen.
    const plan = await t
      .http()
      .post('/payments/create-checkout-session')
      .set(user.auth)
      .send({ price_id: pro.priceId, product_id: pro.productId })
      .expect(200);
    const planSession = await stripe.checkout.sessions.retrieve(
      (plan.body as { session_id: string }).session_id,
    );
    expect(planSession.currency).toBe('eur');
  });
});

describe('payments: checkout rate limit (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { THROTTLE_CHECKOUT_LIMIT: '2' } });
  });
  afterAll(async () => t.close());

  it('limits checkout creation per user (THROTTLE_CHECKOUT_LIMIT) with 429 RATE_LIMITED, not other users', async () => {
    const pack = await catalogItem(t, 'one_time', '100 Credits');
    const user = await registerUser(t);
    await buyCredits(t, user, pack).expect(200);
    await buyCredits(t, user, pack).expect(200);
    const limited = await buyCredits(t, user, pack).expect(429);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBeDefined();
    // The subscription route has the same tier.
    const sub = () =>
      t
        .http()
        .post('/payments/create-checkout-session')
        .set(user.auth)
        .send({ price_id: 'price_x', product_id: 'prod_x' });
    await sub().expect(404);
    await sub().expect(404);
    expect((await sub().expect(429)).body.code).toBe('RATE_LIMITED');
    // Other routes and other users are unaffected.
    await t.http().get('/payments/get-user-subscription').set(user.auth).expect(200);
    const other = await registerUser(t);
    await buyCredits(t, other, pack).expect(200);
  });
});
