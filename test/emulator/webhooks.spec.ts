import type Stripe from 'stripe';
import { createOneTimePrice, idOf, startHarness, WEBHOOK_SECRET, type Harness } from './helpers';

async function paidPayment(
  h: Harness,
  card = '4242424242424242',
  amount = 700,
): Promise<Stripe.Checkout.Session> {
  const price = await createOneTimePrice(h.stripe, amount);
  const session = await h.stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ price: price.id }],
    success_url: 'http://app.local/ok',
  });
  expect(await h.emulator.completeCheckout(session.id, { card })).toEqual({ ok: true });
  return h.stripe.checkout.sessions.retrieve(session.id);
}

describe('stripe emulator webhooks, refunds and disputes', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('signs exactly like Stripe (createSignedPayload verifies with constructEvent)', () => {
    const { payload, header } = h.emulator.createSignedPayload(
      { id: 'evt_1', object: 'event' },
      WEBHOOK_SECRET,
      1_700_000_000,
    );
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    const event = h.stripe.webhooks.constructEvent(payload, header, WEBHOOK_SECRET, 0);
    expect(event.id).toBe('evt_1');
    expect(() => h.stripe.webhooks.constructEvent(payload, header, 'whsec_other', 0)).toThrow();
  });

  it('retries failed deliveries with backoff and records attempts; delivery_success filter', async () => {
    await h.emulator.whenDeliveriesSettled(5000);
    const start = h.emulator.deliveries.length;
    h.webhooks.failNext = 2;
    const session = await paidPayment(h);
    await h.emulator.whenDeliveriesSettled(10_000);
    const mine = h.emulator.deliveries.slice(start);
    expect(mine.every((d) => d.delivered && d.lastStatus === 200)).toBe(true);
    expect(mine.reduce((n, d) => n + d.attempts, 0)).toBe(mine.length + 2);
    expect(mine.some((d) => d.attempts > 1)).toBe(true);
    expect(h.webhooks.ofType('checkout.session.completed').some((e) => e.data.object.id === session.id)).toBe(
      true,
    );
    const failedEvents = await h.stripe.events.list({ delivery_success: false });
    expect(failedEvents.data).toHaveLength(0);
  });

  it('pause/resume controls delivery; events list filters by type, types[] and created', async () => {
    h.emulator.pauseDeliveries();
    const before = h.webhooks.received.length;
    const session = await paidPayment(h);
    await expect(h.emulator.whenDeliveriesSettled(50)).rejects.toThrow(/not settled/);
    expect(h.webhooks.received.length).toBe(before);
    const pending = await h.stripe.events.list({ delivery_success: false });
    expect(pending.data.length).toBeGreaterThan(0);
    h.emulator.resumeDeliveries();
    await h.emulator.whenDeliveriesSettled(5000);
    expect(h.webhooks.received.length).toBeGreaterThan(before);

    const completed = await h.stripe.events.list({ type: 'checkout.session.completed', limit: 100 });
    expect(completed.data.every((e) => e.type === 'checkout.session.completed')).toBe(true);
    const mine = completed.data.find((e) => (e.data.object as Stripe.Checkout.Session).id === session.id)!;
    expect(mine.request).toEqual({ id: null, idempotency_key: null });
    const fetched = await h.stripe.events.retrieve(mine.id);
    expect(fetched.type).toBe('checkout.session.completed');
    const many = await h.stripe.events.list({
      types: ['charge.succeeded', 'payment_intent.succeeded'],
      limit: 100,
    });
    expect(new Set(many.data.map((e) => e.type))).toEqual(
      new Set(['charge.succeeded', 'payment_intent.succeeded']),
    );
    const future = await h.stripe.events.list({ created: { gte: Math.floor(Date.now() / 1000) + 3600 } });
    expect(future.data).toHaveLength(0);
  });

  it('API-triggered events carry request id and idempotency key', async () => {
    const customer = await h.stripe.customers.create(
      { email: 'req@example.com' },
      { idempotencyKey: 'req-key-1' },
    );
    const events = await h.stripe.events.list({ type: 'customer.created', limit: 100 });
    const ev = events.data.find((e) => (e.data.object as Stripe.Customer).id === customer.id)!;
    expect(ev.request?.idempotency_key).toBe('req-key-1');
    expect(ev.request?.id).toMatch(/^req_/);
  });

  it('refunds: partial then full, charge.refunded with previous_attributes, refund.created', async () => {
    const session = await paidPayment(h, '4242424242424242', 1000);
    const pi = idOf(session.payment_intent);
    const partial = await h.stripe.refunds.create({ payment_intent: pi, amount: 300 });
    expect(partial.id).toMatch(/^re_/);
    expect(partial.status).toBe('succeeded');
    let charge = await h.stripe.charges.retrieve(idOf(partial.charge));
    expect(charge.amount_refunded).toBe(300);
    expect(charge.refunded).toBe(false);
    await expect(h.stripe.refunds.create({ charge: charge.id, amount: 800 })).rejects.toMatchObject({
      param: 'amount',
    });
    await h.stripe.refunds.create({ charge: charge.id });
    charge = await h.stripe.charges.retrieve(charge.id);
    expect(charge.amount_refunded).toBe(1000);
    expect(charge.refunded).toBe(true);
    await h.emulator.whenDeliveriesSettled(5000);
    const refunded = h.webhooks.ofType('charge.refunded').filter((e) => e.data.object.id === charge.id);
    expect(refunded).toHaveLength(2);
    expect(refunded[0].data.previous_attributes).toMatchObject({ amount_refunded: 0 });
    expect(h.webhooks.ofType('refund.created').some((e) => e.data.object.id === partial.id)).toBe(true);
    expect((await h.stripe.refunds.list({ payment_intent: pi })).data).toHaveLength(2);
  });

  it('dispute card opens a dispute; close → lost; winning evidence → won', async () => {
    const s1 = await paidPayment(h, '4000000000000259');
    const s2 = await paidPayment(h, '4000000000000259');
    await h.emulator.whenDeliveriesSettled(5000);
    const d1 = (await h.stripe.disputes.list({ payment_intent: idOf(s1.payment_intent) })).data[0];
    const d2 = (await h.stripe.disputes.list({ payment_intent: idOf(s2.payment_intent) })).data[0];
    expect(d1.id).toMatch(/^dp_/);
    expect(d1.status).toBe('needs_response');
    expect(h.webhooks.ofType('charge.dispute.created').map((e) => e.data.object.id)).toEqual(
      expect.arrayContaining([d1.id, d2.id]),
    );
    expect((await h.stripe.disputes.close(d1.id)).status).toBe('lost');
    const won = await h.stripe.disputes.update(d2.id, {
      evidence: { uncategorized_text: 'winning_evidence' },
    });
    expect(won.status).toBe('won');
    await h.emulator.whenDeliveriesSettled(5000);
    const closed = h.webhooks
      .ofType('charge.dispute.closed')
      .map((e) => [e.data.object.id, e.data.object.status]);
    expect(closed).toEqual(
      expect.arrayContaining([
        [d1.id, 'lost'],
        [d2.id, 'won'],
      ]),
    );
  });
});

describe('stripe emulator delivery chaos', () => {
  it('duplicates and shuffles deliveries but every event still arrives', async () => {
    const h = await startHarness({ chaos: { duplicateRate: 1, shuffle: true, maxDelayMs: 5 } });
    try {
      await h.stripe.customers.create({ email: 'chaos1@example.com' });
      await h.stripe.customers.create({ email: 'chaos2@example.com' });
      await h.emulator.whenDeliveriesSettled(5000);
      expect(h.webhooks.received).toHaveLength(4);
      expect(new Set(h.webhooks.received.map((r) => r.event.id)).size).toBe(2);
      expect(h.emulator.deliveries.every((d) => d.delivered)).toBe(true);
    } finally {
      await h.stop();
    }
  });
});
