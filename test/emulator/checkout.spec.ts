import type Stripe from 'stripe';
import {
  createOneTimePrice,
  createRecurringPrice,
  idOf,
  startHarness,
  WEBHOOK_SECRET,
  type Harness,
} from './helpers';

describe('stripe emulator checkout', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  const subscriptionSession = async (
    price: Stripe.Price,
    extra: Partial<Stripe.Checkout.SessionCreateParams> = {},
  ): Promise<Stripe.Checkout.Session> =>
    h.stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: 'http://app.local/success?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'http://app.local/cancel',
      client_reference_id: 'user_1',
      metadata: { user_id: 'user_1' },
      ...extra,
    });

  it('subscription checkout with trial via the hosted form: redirect, objects and webhook order', async () => {
    const price = await createRecurringPrice(h.stripe, 1000);
    const customer = await h.stripe.customers.create({ email: 'trial@example.com' });
    const session = await subscriptionSession(price, {
      customer: customer.id,
      subscription_data: { trial_period_days: 14, metadata: { user_id: 'user_1' } },
    });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.status).toBe('open');
    expect(session.url).toBe(`${h.url}/checkout/${session.id}`);

    const page = await fetch(session.url!);
    const html = await page.text();
    expect(html).toContain('Pro plan');
    expect(html).toContain('$10.00');
    expect(html).toContain('14-day free trial');
    expect(html).toContain('name="card_number"');

    h.webhooks.received.length = 0;
    const submit = await fetch(session.url!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'card_number=4242+4242+4242+4242',
      redirect: 'manual',
    });
    expect(submit.status).toBe(303);
    expect(submit.headers.get('location')).toBe(`http://app.local/success?session_id=${session.id}`);

    const done = await h.stripe.checkout.sessions.retrieve(session.id, {
      expand: ['subscription', 'line_items'],
    });
    expect(done.status).toBe('complete');
    expect(done.payment_status).toBe('no_payment_required');
    expect(done.line_items?.data[0].price?.id).toBe(price.id);
    const sub = done.subscription as Stripe.Subscription;
    expect(sub.status).toBe('trialing');
    expect(sub.metadata).toEqual({ user_id: 'user_1' });
    expect(sub.trial_end! - sub.trial_start!).toBe(14 * 86400);
    expect(sub.items.data[0].current_period_end).toBe(sub.trial_end);
    expect(sub.items.data[0].current_period_start).toBe(sub.start_date);

    const invoice = await h.stripe.invoices.retrieve(idOf(done.invoice));
    expect(invoice.billing_reason).toBe('subscription_create');
    expect(invoice.amount_due).toBe(0);
    expect(invoice.status).toBe('paid');
    expect(invoice.hosted_invoice_url).toContain(`/invoices/${invoice.id}`);
    expect(invoice.invoice_pdf).toContain('/pdf');
    expect(invoice.parent?.subscription_details?.subscription).toBe(sub.id);
    expect(invoice.parent?.subscription_details?.metadata).toEqual({ user_id: 'user_1' });
    expect(invoice.lines.data[0].period.end).toBe(sub.trial_end);

    await h.emulator.whenDeliveriesSettled(5000);
    const types = h.webhooks
      .types()
      .filter((t) => !t.startsWith('customer.created') && t !== 'payment_method.attached');
    expect(types).toEqual([
      'customer.subscription.created',
      'invoice.created',
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
      'checkout.session.completed',
    ]);
    const completed = h.webhooks.ofType('checkout.session.completed')[0];
    expect(completed.data.object.subscription).toBe(sub.id);
    expect(completed.api_version).toBe('2026-10-28.endive');
    expect(completed.livemode).toBe(false);
    expect(completed.id).toMatch(/^evt_/);

    const raw = h.webhooks.received.find((r) => r.event.type === 'checkout.session.completed')!;
    const verified = h.stripe.webhooks.constructEvent(raw.body, raw.signature, WEBHOOK_SECRET);
    expect(verified.id).toBe(completed.id);
    expect(() => h.stripe.webhooks.constructEvent(raw.body, raw.signature, 'whsec_wrong')).toThrow();
  });

  it('subscription checkout without trial charges the first invoice (payment intent, charge, invoice payment)', async () => {
    const price = await createRecurringPrice(h.stripe, 2500);
    const session = await subscriptionSession(price);
    h.webhooks.received.length = 0;
    expect(await h.emulator.completeCheckout(session.id, { card: '5555555555554444' })).toEqual({ ok: true });
    const done = await h.stripe.checkout.sessions.retrieve(session.id);
    expect(done.payment_status).toBe('paid');
    expect(done.amount_total).toBe(2500);
    const sub = await h.stripe.subscriptions.retrieve(idOf(done.subscription));
    expect(sub.status).toBe('active');
    const invoice = await h.stripe.invoices.retrieve(idOf(done.invoice), { expand: ['payments'] });
    expect(invoice.amount_paid).toBe(2500);
    const payment = invoice.payments!.data[0];
    expect(payment.payment.type).toBe('payment_intent');
    const pi = await h.stripe.paymentIntents.retrieve(idOf(payment.payment.payment_intent));
    expect(pi.status).toBe('succeeded');
    const charge = await h.stripe.charges.retrieve(idOf(pi.latest_charge));
    expect(charge.paid).toBe(true);
    await h.emulator.whenDeliveriesSettled(5000);
    const types = h.webhooks.types();
    expect(types.indexOf('customer.subscription.created')).toBeLessThan(types.indexOf('invoice.created'));
    expect(types.indexOf('invoice.finalized')).toBeLessThan(types.indexOf('payment_intent.succeeded'));
    expect(types.indexOf('charge.succeeded')).toBeLessThan(types.indexOf('invoice.paid'));
    expect(types.indexOf('invoice.payment_succeeded')).toBeLessThan(
      types.indexOf('checkout.session.completed'),
    );
  });

  it('payment mode in JPY with a promotion code: totals, discounts and event order', async () => {
    const price = await createOneTimePrice(h.stripe, 1000, 'jpy');
    const coupon = await h.stripe.coupons.create({ percent_off: 10, duration: 'once' });
    await h.stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: coupon.id },
      code: 'TENOFF',
    });
    const session = await h.stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: price.id, quantity: 2 }],
      allow_promotion_codes: true,
      customer_email: 'buyer@example.com',
      success_url: 'http://app.local/ok/{CHECKOUT_SESSION_ID}',
      metadata: { pack: 'large' },
    });
    expect(session.amount_total).toBe(2000);
    const html = await (await fetch(session.url!)).text();
    expect(html).toContain('¥2,000');
    expect(html).toContain('name="promotion_code"');
    h.webhooks.received.length = 0;
    expect(await h.emulator.completeCheckout(session.id, { promotionCode: 'NOPE' })).toMatchObject({
      ok: false,
      error: { code: 'promotion_code_invalid' },
    });
    expect(await h.emulator.completeCheckout(session.id, { promotionCode: 'tenoff' })).toEqual({ ok: true });
    const done = await h.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(done.payment_status).toBe('paid');
    expect(done.amount_subtotal).toBe(2000);
    expect(done.amount_total).toBe(1800);
    expect(done.total_details?.amount_discount).toBe(200);
    expect(done.discounts?.[0].coupon).toBe(coupon.id);
    expect((done.payment_intent as Stripe.PaymentIntent).amount).toBe(1800);
    expect(done.customer_details?.email).toBe('buyer@example.com');
    await h.emulator.whenDeliveriesSettled(5000);
    const types = h.webhooks
      .types()
      .filter((t) =>
        ['payment_intent.succeeded', 'charge.succeeded', 'checkout.session.completed'].includes(t),
      );
    expect(types).toEqual(['payment_intent.succeeded', 'charge.succeeded', 'checkout.session.completed']);
  });

  it('declined card: error on the page, nothing charged, session stays open', async () => {
    const price = await createOneTimePrice(h.stripe);
    const session = await h.stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: 'http://app.local/ok',
    });
    const res = await fetch(session.url!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'card_number=4000000000000002',
      redirect: 'manual',
    });
    expect(res.status).toBe(402);
    const page = await res.text();
    expect(page).toContain('Your card was declined.');
    // The form keeps the card the buyer typed (to correct it), not the default test card.
    expect(page).toContain('name="card_number" value="4000000000000002"');
    expect(await h.emulator.completeCheckout(session.id, { card: '4000000000000002' })).toEqual({
      ok: false,
      error: { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' },
    });
    expect((await h.stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    expect(
      (await h.stripe.paymentIntents.list({ limit: 100 })).data.filter(
        (p) => p.amount === 500 && p.status === 'succeeded',
      ),
    ).toHaveLength(0);
  });

  it('4000000000000341 fails in payment mode but a trial subscription completes; 3184 fails authentication', async () => {
    const oneTime = await createOneTimePrice(h.stripe);
    const pay = await h.stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: oneTime.id, quantity: 1 }],
      success_url: 'http://app.local/ok',
    });
    expect(await h.emulator.completeCheckout(pay.id, { card: '4000000000000341' })).toMatchObject({
      ok: false,
      error: { code: 'card_declined' },
    });
    expect(await h.emulator.completeCheckout(pay.id, { card: '4000002760003184' })).toMatchObject({
      ok: false,
      error: { code: 'payment_intent_authentication_failure' },
    });
    const price = await createRecurringPrice(h.stripe);
    const trial = await subscriptionSession(price, { subscription_data: { trial_period_days: 7 } });
    expect(await h.emulator.completeCheckout(trial.id, { card: '4000000000000341' })).toEqual({ ok: true });
    const sub = await h.stripe.subscriptions.retrieve(
      idOf((await h.stripe.checkout.sessions.retrieve(trial.id)).subscription),
    );
    expect(sub.status).toBe('trialing');
  });

  it('expire closes an open session and emits checkout.session.expired', async () => {
    const price = await createOneTimePrice(h.stripe);
    const session = await h.stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: price.id }],
      success_url: 'http://app.local/ok',
    });
    const expired = await h.stripe.checkout.sessions.expire(session.id);
    expect(expired.status).toBe('expired');
    await expect(h.stripe.checkout.sessions.expire(session.id)).rejects.toMatchObject({ statusCode: 400 });
    expect(await h.emulator.completeCheckout(session.id)).toMatchObject({ ok: false });
    const list = await h.stripe.checkout.sessions.list({ status: 'expired' });
    expect(list.data.map((s) => s.id)).toContain(session.id);
    const items = await h.stripe.checkout.sessions.listLineItems(session.id);
    expect(items.data).toHaveLength(1);
  });

  it('rejects recurring prices in payment mode', async () => {
    const price = await createRecurringPrice(h.stripe);
    await expect(
      h.stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price: price.id }],
        success_url: 'http://x',
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'line_items[0][price]' });
  });
});
