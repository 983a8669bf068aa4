import { createOneTimePrice, idOf, startHarness, type Harness } from './helpers';

/** Saved cards: setup-mode Checkout, setup_future_usage on a pack, listing and detaching a customer's cards. */
describe('stripe emulator saved payment methods', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  const urls = {
    success_url: 'http://app.local/ok?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://app.local/no',
  };

  it('setup mode saves the card on the customer with a succeeded SetupIntent and charges nothing', async () => {
    const customer = await h.stripe.customers.create({ email: 'setup@example.com' });
    const session = await h.stripe.checkout.sessions.create({
      mode: 'setup',
      customer: customer.id,
      currency: 'usd',
      setup_intent_data: { metadata: { user_id: 'u1' } },
      ...urls,
    });
    expect(session).toMatchObject({ mode: 'setup', amount_total: null, status: 'open' });
    expect(await (await fetch(session.url!)).text()).toContain('Save card');
    h.webhooks.received.length = 0;
    expect(await h.emulator.completeCheckout(session.id, { card: '5555555555554444' })).toEqual({ ok: true });
    await h.emulator.whenDeliveriesSettled(5000);
    const done = await h.stripe.checkout.sessions.retrieve(session.id);
    expect(done).toMatchObject({
      status: 'complete',
      payment_status: 'no_payment_required',
      payment_intent: null,
    });
    const si = await h.stripe.setupIntents.retrieve(idOf(done.setup_intent));
    expect(si).toMatchObject({
      status: 'succeeded',
      usage: 'off_session',
      customer: customer.id,
      metadata: { user_id: 'u1' },
    });
    const cards = await h.stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
    expect(cards.data.map((c) => [c.id, c.card?.brand, c.card?.last4])).toEqual([
      [si.payment_method, 'mastercard', '4444'],
    ]);
    const types = h.webhooks.received.map((r) => r.event.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'payment_method.attached',
        'setup_intent.succeeded',
        'checkout.session.completed',
      ]),
    );
    await expect(
      h.stripe.paymentIntents.list({ customer: customer.id }).then((l) => l.data),
    ).resolves.toEqual([]);
  });

  it('refuses line items and payment_intent_data in setup mode, and a declined card saves nothing', async () => {
    const price = await createOneTimePrice(h.stripe, 500);
    await expect(
      h.stripe.checkout.sessions.create({
        mode: 'setup',
        line_items: [{ price: price.id, quantity: 1 }],
        ...urls,
      }),
    ).rejects.toMatchObject({ param: 'line_items' });
    await expect(
      h.stripe.checkout.sessions.create({
        mode: 'setup',
        payment_intent_data: { setup_future_usage: 'off_session' },
        ...urls,
      }),
    ).rejects.toMatchObject({ param: 'payment_intent_data' });
    const customer = await h.stripe.customers.create({});
    const session = await h.stripe.checkout.sessions.create({
      mode: 'setup',
      customer: customer.id,
      ...urls,
    });
    expect(await h.emulator.completeCheckout(session.id, { card: '4000000000000002' })).toMatchObject({
      ok: false,
    });
    expect((await h.stripe.customers.listPaymentMethods(customer.id)).data).toEqual([]);
  });

  it('a pack checkout with setup_future_usage records it on the PaymentIntent and keeps the card', async () => {
    const price = await createOneTimePrice(h.stripe, 900);
    const customer = await h.stripe.customers.create({});
    const session = await h.stripe.checkout.sessions.create({
      mode: 'payment',
      customer: customer.id,
      line_items: [{ price: price.id, quantity: 1 }],
      payment_intent_data: { setup_future_usage: 'off_session' },
      ...urls,
    });
    expect(await h.emulator.completeCheckout(session.id, {})).toEqual({ ok: true });
    const pi = await h.stripe.paymentIntents.retrieve(
      idOf((await h.stripe.checkout.sessions.retrieve(session.id)).payment_intent),
    );
    expect(pi.setup_future_usage).toBe('off_session');
    const [card] = (await h.stripe.customers.listPaymentMethods(customer.id, { type: 'card' })).data;
    expect(card.id).toBe(pi.payment_method);
  });

  it('detaching a card removes it from the customer and from their invoice default', async () => {
    const customer = await h.stripe.customers.create({});
    const session = await h.stripe.checkout.sessions.create({
      mode: 'setup',
      customer: customer.id,
      ...urls,
    });
    await h.emulator.completeCheckout(session.id, {});
    const [card] = (await h.stripe.customers.listPaymentMethods(customer.id)).data;
    await h.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: card.id } });
    const detached = await h.stripe.paymentMethods.detach(card.id);
    expect(detached.customer).toBeNull();
    expect((await h.stripe.customers.listPaymentMethods(customer.id)).data).toEqual([]);
    const after = await h.stripe.customers.retrieve(customer.id);
    expect('deleted' in after ? null : after.invoice_settings.default_payment_method).toBeNull();
    await expect(h.stripe.paymentMethods.detach(card.id)).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
    });
  });
});
