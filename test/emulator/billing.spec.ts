import type Stripe from 'stripe';
import { createRecurringPrice, idOf, startHarness, type Harness } from './helpers';

const DAY = 86_400;

describe('stripe emulator subscriptions, portal and test clocks', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  /** Subscribe a (optionally clock-bound) customer through checkout. */
  async function subscribe(opts: {
    price: Stripe.Price;
    card?: string;
    trialDays?: number;
    clock?: Stripe.TestHelpers.TestClock;
  }): Promise<Stripe.Subscription> {
    const customer = await h.stripe.customers.create({
      email: 'sub@example.com',
      test_clock: opts.clock?.id,
    });
    const session = await h.stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: opts.price.id, quantity: 1 }],
      success_url: 'http://app.local/ok',
      ...(opts.trialDays ? { subscription_data: { trial_period_days: opts.trialDays } } : {}),
    });
    expect(await h.emulator.completeCheckout(session.id, { card: opts.card })).toEqual({ ok: true });
    return h.stripe.subscriptions.retrieve(
      idOf((await h.stripe.checkout.sessions.retrieve(session.id)).subscription),
    );
  }

  const eventsFor = (subId: string, type: Stripe.Event.Type): Stripe.Event[] =>
    h.webhooks.received
      .map((r) => r.event)
      .filter((e) => {
        const o = e.data.object as { id?: string; parent?: Stripe.Invoice.Parent | null };
        return e.type === type && (o.id === subId || o.parent?.subscription_details?.subscription === subId);
      });

  it('cancel_at_period_end toggles with previous_attributes; cancel emits customer.subscription.deleted', async () => {
    const sub = await subscribe({ price: await createRecurringPrice(h.stripe) });
    const scheduled = await h.stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(scheduled.cancel_at_period_end).toBe(true);
    expect(scheduled.cancel_at).toBe(sub.items.data[0].current_period_end);
    const resumed = await h.stripe.subscriptions.update(sub.id, { cancel_at_period_end: false });
    expect(resumed.cancel_at).toBeNull();
    const canceled = await h.stripe.subscriptions.cancel(sub.id);
    expect(canceled.status).toBe('canceled');
    await h.emulator.whenDeliveriesSettled(5000);
    const updates = eventsFor(sub.id, 'customer.subscription.updated');
    expect(updates[0].data.previous_attributes).toMatchObject({ cancel_at_period_end: false });
    expect(updates[1].data.previous_attributes).toMatchObject({ cancel_at_period_end: true });
    expect(eventsFor(sub.id, 'customer.subscription.deleted')).toHaveLength(1);
    expect((await h.stripe.subscriptions.list({ customer: idOf(sub.customer) })).data).toHaveLength(0);
    expect(
      (await h.stripe.subscriptions.list({ customer: idOf(sub.customer), status: 'canceled' })).data,
    ).toHaveLength(1);
  });

  it('price change: createPreview shows proration, update with always_invoice bills it', async () => {
    const basic = await createRecurringPrice(h.stripe, 1000);
    const pro = await createRecurringPrice(h.stripe, 3000);
    const sub = await subscribe({ price: basic });
    const item = sub.items.data[0];
    const preview = await h.stripe.invoices.createPreview({
      subscription: sub.id,
      subscription_details: { items: [{ id: item.id, price: pro.id }], proration_behavior: 'always_invoice' },
    });
    const prorations = preview.lines.data.filter((l) => l.parent?.subscription_item_details?.proration);
    expect(prorations).toHaveLength(2);
    expect(prorations[0].amount).toBeLessThan(0);
    expect(preview.amount_due).toBeGreaterThan(1900);
    expect(preview.amount_due).toBeLessThanOrEqual(2000);
    const updated = await h.stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, price: pro.id }],
      proration_behavior: 'always_invoice',
    });
    expect(updated.items.data[0].price.id).toBe(pro.id);
    const invoices = await h.stripe.invoices.list({ subscription: sub.id });
    expect(invoices.data[0].billing_reason).toBe('subscription_update');
    expect(invoices.data[0].amount_paid).toBe(preview.amount_due);
    await h.emulator.whenDeliveriesSettled(5000);
    const upd = eventsFor(sub.id, 'customer.subscription.updated');
    expect(upd[0].data.previous_attributes).toHaveProperty('items');
  });

  it('billing portal session links to a hosted page with cancel/resume forms', async () => {
    const sub = await subscribe({ price: await createRecurringPrice(h.stripe) });
    const portal = await h.stripe.billingPortal.sessions.create({
      customer: idOf(sub.customer),
      return_url: 'http://app.local/account',
    });
    expect(portal.id).toMatch(/^bps_/);
    const html = await (await fetch(portal.url)).text();
    expect(html).toContain(`/subscriptions/${sub.id}/cancel`);
    expect(html).toContain('http://app.local/account');
    expect(html).toContain('/invoices/');
    const res = await fetch(`${portal.url}/subscriptions/${sub.id}/cancel`, {
      method: 'POST',
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect((await h.stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(true);
    expect(await (await fetch(portal.url)).text()).toContain(`/subscriptions/${sub.id}/resume`);
  });

  it('test clock: trial_will_end, trial end → active + paid cycle invoice, renewal advances the period', async () => {
    const start = 1_767_225_600; // 2026-01-01T00:00:00Z
    const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: start });
    expect(clock.id).toMatch(/^clock_/);
    const sub = await subscribe({ price: await createRecurringPrice(h.stripe, 1200), trialDays: 7, clock });
    expect(sub.trial_end).toBe(start + 7 * DAY);
    expect(sub.test_clock).toBe(clock.id);

    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start + 5 * DAY });
    let s = await h.stripe.subscriptions.retrieve(sub.id);
    expect(s.status).toBe('trialing');
    await h.emulator.advanceTestClock(clock.id, start + 8 * DAY);
    s = await h.stripe.subscriptions.retrieve(sub.id);
    expect(s.status).toBe('active');
    expect(s.items.data[0].current_period_start).toBe(start + 7 * DAY);
    const cycle = (await h.stripe.invoices.list({ subscription: sub.id })).data[0];
    expect(cycle.billing_reason).toBe('subscription_cycle');
    expect(cycle.status).toBe('paid');
    expect(cycle.amount_paid).toBe(1200);

    const periodEnd = s.items.data[0].current_period_end;
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: periodEnd + 60 });
    s = await h.stripe.subscriptions.retrieve(sub.id);
    expect(s.items.data[0].current_period_start).toBe(periodEnd);
    expect((await h.stripe.invoices.list({ subscription: sub.id, status: 'paid' })).data).toHaveLength(3);
    expect((await h.stripe.testHelpers.testClocks.retrieve(clock.id)).status).toBe('ready');

    await h.emulator.whenDeliveriesSettled(5000);
    expect(eventsFor(sub.id, 'customer.subscription.trial_will_end')).toHaveLength(1);
    const statusChange = eventsFor(sub.id, 'customer.subscription.updated').find(
      (e) => (e.data.previous_attributes as { status?: string } | undefined)?.status === 'trialing',
    );
    expect(statusChange).toBeDefined();
    expect(eventsFor(sub.id, 'invoice.paid')).toHaveLength(3);
  });

  it('test clock with 4000000000000341: payment_failed → past_due → retries → deleted', async () => {
    const start = 1_767_225_600;
    const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: start });
    const sub = await subscribe({
      price: await createRecurringPrice(h.stripe),
      trialDays: 3,
      clock,
      card: '4000000000000341',
    });
    await h.emulator.advanceTestClock(clock.id, start + 3 * DAY + 60);
    let s = await h.stripe.subscriptions.retrieve(sub.id);
    expect(s.status).toBe('past_due');
    const invoice = (await h.stripe.invoices.list({ subscription: sub.id, status: 'open' })).data[0];
    expect(invoice.attempt_count).toBe(1);
    expect(invoice.next_payment_attempt).toBe(start + 3 * DAY + 3 * DAY);
    await h.emulator.advanceTestClock(clock.id, start + 20 * DAY);
    s = await h.stripe.subscriptions.retrieve(sub.id);
    expect(s.status).toBe('canceled');
    expect(s.cancellation_details?.reason).toBe('payment_failed');
    await h.emulator.whenDeliveriesSettled(5000);
    expect(eventsFor(sub.id, 'invoice.payment_failed')).toHaveLength(3);
    expect(eventsFor(sub.id, 'customer.subscription.deleted')).toHaveLength(1);
  });

  it('test clock: cancel_at_period_end deletes the subscription at period end', async () => {
    const start = 1_767_225_600;
    const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: start });
    const sub = await subscribe({ price: await createRecurringPrice(h.stripe), clock });
    await h.stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    await h.emulator.advanceTestClock(clock.id, sub.items.data[0].current_period_end + 1);
    const s = await h.stripe.subscriptions.retrieve(sub.id);
    expect(s.status).toBe('canceled');
    expect(s.ended_at).toBe(sub.items.data[0].current_period_end);
    expect((await h.stripe.invoices.list({ subscription: sub.id })).data).toHaveLength(1);
  });
});
