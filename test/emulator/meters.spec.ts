import Stripe from 'stripe';
import { createRecurringPrice, idOf, rawRequest, startHarness, type Harness } from './helpers';

const DAY = 86_400;
const HOUR = 3600;
const START = 1_767_225_600; // 2026-01-01T00:00:00Z

/** The Stripe error a promise rejects with (fails the test when it resolves). */
async function stripeError(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Stripe.errors.StripeError) return err;
    throw err;
  }
  throw new Error('expected a Stripe error');
}

describe('stripe emulator billing meters', () => {
  let h: Harness;
  let names = 0;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  const meter = (
    formula: 'sum' | 'count' | 'last' = 'sum',
    extra: Partial<Stripe.Billing.MeterCreateParams> = {},
  ) =>
    h.stripe.billing.meters.create({
      display_name: 'API calls',
      event_name: `api_calls_${++names}`,
      default_aggregation: { formula },
      ...extra,
    });

  const send = (m: Stripe.Billing.Meter, customer: string, value: number | string, extra: object = {}) =>
    h.stripe.billing.meterEvents.create({
      event_name: m.event_name,
      payload: { stripe_customer_id: customer, value: String(value) },
      ...extra,
    });

  const total = async (m: Stripe.Billing.Meter, customer: string, start: number, end: number) =>
    (await h.stripe.billing.meters.listEventSummaries(m.id, { customer, start_time: start, end_time: end }))
      .data[0].aggregated_value;

  const clockCustomer = async (frozen = START) => {
    const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: frozen });
    const customer = await h.stripe.customers.create({ email: 'usage@example.com', test_clock: clock.id });
    return { clock, customer };
  };

  it('meters: defaults, retrieve, list by status, update, deactivate/reactivate; event names unique among active meters', async () => {
    const m = await meter();
    expect(m).toMatchObject({
      object: 'billing.meter',
      status: 'active',
      customer_mapping: { event_payload_key: 'stripe_customer_id', type: 'by_id' },
      value_settings: { event_payload_key: 'value' },
      default_aggregation: { formula: 'sum' },
      event_time_window: null,
      status_transitions: { deactivated_at: null },
      livemode: false,
    });
    expect(m.id).toMatch(/^mtr_test_/);
    expect((await h.stripe.billing.meters.retrieve(m.id)).event_name).toBe(m.event_name);
    const renamed = await h.stripe.billing.meters.update(m.id, { display_name: 'Requests' });
    expect(renamed.display_name).toBe('Requests');

    const taken = await stripeError(
      h.stripe.billing.meters.create({
        display_name: 'again',
        event_name: m.event_name,
        default_aggregation: { formula: 'sum' },
      }),
    );
    expect(taken.statusCode).toBe(400);
    expect(taken.param).toBe('event_name');

    const off = await h.stripe.billing.meters.deactivate(m.id);
    expect(off.status).toBe('inactive');
    expect(off.status_transitions.deactivated_at).toEqual(expect.any(Number));
    expect((await h.stripe.billing.meters.list({ status: 'inactive' })).data.map((x) => x.id)).toContain(
      m.id,
    );
    expect((await h.stripe.billing.meters.list({ status: 'active' })).data.map((x) => x.id)).not.toContain(
      m.id,
    );
    const customer = await h.stripe.customers.create({ email: 'm@example.com' });
    expect((await stripeError(send(m, customer.id, 1))).code).toBe('archived_meter');

    // Its event name is free again while it is inactive, so it cannot come back while another meter holds it.
    const successor = await h.stripe.billing.meters.create({
      display_name: 'successor',
      event_name: m.event_name,
      default_aggregation: { formula: 'count' },
    });
    expect((await stripeError(h.stripe.billing.meters.reactivate(m.id))).statusCode).toBe(400);
    await h.stripe.billing.meters.deactivate(successor.id);
    expect((await h.stripe.billing.meters.reactivate(m.id)).status).toBe('active');

    await h.emulator.whenDeliveriesSettled(5000);
    const types = h.webhooks.received
      .filter((r) => (r.event.data.object as { id?: string }).id === m.id)
      .map((r) => r.event.type);
    expect(types).toEqual([
      'billing.meter.created',
      'billing.meter.updated',
      'billing.meter.deactivated',
      'billing.meter.reactivated',
    ]);
  });

  it('meter events: a repeated identifier is refused (400) and counted once', async () => {
    const m = await meter();
    const customer = await h.stripe.customers.create({ email: 'dedup@example.com' });
    const first = await send(m, customer.id, 5, { identifier: 'req_42' });
    expect(first).toMatchObject({
      object: 'billing.meter_event',
      event_name: m.event_name,
      identifier: 'req_42',
      payload: { stripe_customer_id: customer.id, value: '5' },
      livemode: false,
    });
    const again = await stripeError(send(m, customer.id, 5, { identifier: 'req_42' }));
    expect(again.statusCode).toBe(400);
    expect(again.type).toBe('StripeInvalidRequestError');
    expect(again.message).toBe('An event already exists with identifier req_42.');
    const other = await send(m, customer.id, 2);
    expect(other.identifier).not.toBe('req_42');
    const now = Math.floor(Date.now() / 1000);
    const from = Math.floor(now / 60) * 60 - HOUR;
    expect(await total(m, customer.id, from, from + 2 * HOUR)).toBe(7);
  });

  it('meter events: unknown event name, unknown customer, missing customer, non-integer value → Stripe 400s', async () => {
    const m = await meter();
    const customer = await h.stripe.customers.create({ email: 'bad@example.com' });
    const noMeter = await stripeError(
      h.stripe.billing.meterEvents.create({
        event_name: 'nobody_meters_this',
        payload: { stripe_customer_id: customer.id, value: '1' },
      }),
    );
    expect([noMeter.statusCode, noMeter.code, noMeter.param]).toEqual([400, 'no_meter', 'event_name']);
    const unknown = await stripeError(send(m, 'cus_missing', 1));
    expect([unknown.code, unknown.param]).toEqual([
      'meter_event_customer_not_found',
      'payload[stripe_customer_id]',
    ]);
    const noCustomer = await stripeError(
      h.stripe.billing.meterEvents.create({ event_name: m.event_name, payload: { value: '1' } }),
    );
    expect(noCustomer.code).toBe('meter_event_no_customer_defined');
    for (const value of ['abc', '1.5', '']) {
      const bad = await stripeError(send(m, customer.id, value));
      expect([bad.statusCode, bad.code, bad.param]).toEqual([
        400,
        'meter_event_invalid_value',
        'payload[value]',
      ]);
    }
    // Custom payload keys are honoured.
    const custom = await meter('sum', {
      customer_mapping: { event_payload_key: 'account', type: 'by_id' },
      value_settings: { event_payload_key: 'tokens' },
    });
    await h.stripe.billing.meterEvents.create({
      event_name: custom.event_name,
      payload: { account: customer.id, tokens: '12' },
    });
    const now = Math.floor(Date.now() / 1000);
    expect(
      await total(custom, customer.id, Math.floor(now / 60) * 60 - HOUR, Math.floor(now / 60) * 60 + 60),
    ).toBe(12);
    // Nothing of the refused events was counted.
    expect(
      await total(m, customer.id, Math.floor(now / 60) * 60 - HOUR, Math.floor(now / 60) * 60 + 60),
    ).toBe(0);
  });

  it("meter events: timestamps within the past 35 days and up to 5 minutes ahead of the customer's clock", async () => {
    const m = await meter();
    const { clock, customer } = await clockCustomer(START + 40 * DAY);
    const now = START + 40 * DAY;
    await send(m, customer.id, 1, { timestamp: now - 35 * DAY });
    await send(m, customer.id, 1, { timestamp: now + 300 });
    const past = await stripeError(send(m, customer.id, 1, { timestamp: now - 35 * DAY - 1 }));
    expect([past.statusCode, past.code, past.param]).toEqual([400, 'timestamp_too_far_in_past', 'timestamp']);
    const future = await stripeError(send(m, customer.id, 1, { timestamp: now + 301 }));
    expect([future.statusCode, future.code, future.param]).toEqual([400, 'timestamp_in_future', 'timestamp']);
    // Without a timestamp the event happens at the clock's time.
    const dflt = await send(m, customer.id, 1);
    expect(dflt.timestamp).toBe(now);
    expect(await total(m, customer.id, now - 36 * DAY, now + 600)).toBe(3);
    // A customer without a clock lives in real time: the clock's "now" is long past for them.
    const realtime = await h.stripe.customers.create({ email: 'rt@example.com' });
    expect((await stripeError(send(m, realtime.id, 1, { timestamp: now }))).code).toBe(
      'timestamp_too_far_in_past',
    );
    expect(clock.id).toMatch(/^clock_/);
  });

  it('event summaries: sum, count and last over [start, end), hourly and daily windows, aligned times only', async () => {
    const sum = await meter('sum');
    const count = await meter('count');
    const last = await meter('last');
    const { clock, customer } = await clockCustomer();
    await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: START + 2 * DAY });
    for (const [at, value] of [
      [START + HOUR + 300, 3],
      [START + HOUR + 1800, 4],
      [START + 26 * HOUR, 10],
    ] as const) {
      for (const m of [sum, count, last]) await send(m, customer.id, value, { timestamp: at });
    }
    expect(await total(sum, customer.id, START, START + 2 * DAY)).toBe(17);
    expect(await total(count, customer.id, START, START + 2 * DAY)).toBe(3);
    expect(await total(last, customer.id, START, START + 2 * DAY)).toBe(10);
    expect(await total(last, customer.id, START, START + 2 * HOUR)).toBe(4);
    expect(await total(sum, customer.id, START + 2 * HOUR, START + 26 * HOUR)).toBe(0);

    const hourly = await h.stripe.billing.meters.listEventSummaries(sum.id, {
      customer: customer.id,
      start_time: START,
      end_time: START + 3 * HOUR,
      value_grouping_window: 'hour',
    });
    expect(hourly.data.map((s) => [s.start_time - START, s.end_time - START, s.aggregated_value])).toEqual([
      [2 * HOUR, 3 * HOUR, 0],
      [HOUR, 2 * HOUR, 7],
      [0, HOUR, 0],
    ]);
    expect(hourly.data[0]).toMatchObject({
      object: 'billing.meter_event_summary',
      meter: sum.id,
      livemode: false,
    });
    expect(hourly.data[0].id).toMatch(/^mtrusg_/);
    const daily = await h.stripe.billing.meters.listEventSummaries(sum.id, {
      customer: customer.id,
      start_time: START,
      end_time: START + 2 * DAY,
      value_grouping_window: 'day',
    });
    expect(daily.data.map((s) => s.aggregated_value)).toEqual([10, 7]);

    const misaligned = await stripeError(
      h.stripe.billing.meters.listEventSummaries(sum.id, {
        customer: customer.id,
        start_time: START + 30,
        end_time: START + HOUR,
      }),
    );
    expect([misaligned.statusCode, misaligned.param]).toEqual([400, 'start_time']);
    const notHour = await stripeError(
      h.stripe.billing.meters.listEventSummaries(sum.id, {
        customer: customer.id,
        start_time: START,
        end_time: START + 90 * 60,
        value_grouping_window: 'hour',
      }),
    );
    expect(notHour.param).toBe('end_time');
    const missing = await rawRequest(
      h.url,
      'GET',
      `/v1/billing/meters/${sum.id}/event_summaries?customer=${customer.id}`,
    );
    expect(missing.status).toBe(400);
  });

  describe('metered prices on subscriptions', () => {
    const product = async (name: string) => (await h.stripe.products.create({ name })).id;

    async function meteredPrice(
      m: Stripe.Billing.Meter,
      currency: string,
      amount: { unit_amount?: number; unit_amount_decimal?: Stripe.Decimal },
    ) {
      return h.stripe.prices.create({
        product: await product('Usage'),
        currency,
        recurring: { interval: 'month', usage_type: 'metered', meter: m.id },
        ...amount,
      });
    }

    /** Subscribe a clock-bound customer through Checkout (a card that succeeds). */
    async function subscribe(
      customer: Stripe.Customer,
      lineItems: Stripe.Checkout.SessionCreateParams.LineItem[],
    ): Promise<Stripe.Subscription> {
      const session = await h.stripe.checkout.sessions.create({
        mode: 'subscription',
        customer: customer.id,
        line_items: lineItems,
        success_url: 'http://app.local/ok',
      });
      expect(await h.emulator.completeCheckout(session.id)).toEqual({ ok: true });
      return h.stripe.subscriptions.retrieve(
        idOf((await h.stripe.checkout.sessions.retrieve(session.id)).subscription),
      );
    }

    it('metered price: recurring.meter and usage_type, exact unit_amount_decimal; quantity on a metered line is refused', async () => {
      const m = await meter();
      const price = await meteredPrice(m, 'usd', { unit_amount_decimal: Stripe.Decimal.from('0.5') });
      expect(price.recurring).toMatchObject({ usage_type: 'metered', meter: m.id, interval: 'month' });
      expect(price.unit_amount).toBeNull();
      expect(String(price.unit_amount_decimal)).toBe('0.5');
      const noMeter = await stripeError(
        h.stripe.prices.create({
          product: await product('x'),
          currency: 'usd',
          unit_amount: 1,
          recurring: { interval: 'month', usage_type: 'metered' },
        }),
      );
      expect([noMeter.code, noMeter.param]).toEqual(['parameter_missing', 'recurring[meter]']);
      const session = await stripeError(
        h.stripe.checkout.sessions.create({
          mode: 'subscription',
          line_items: [{ price: price.id, quantity: 1 }],
          success_url: 'http://app.local/ok',
        }),
      );
      expect([session.statusCode, session.param]).toEqual([400, 'line_items[0][quantity]']);
    });

    it('subscription: the metered item has no quantity and charges nothing up front; deleting it works', async () => {
      const m = await meter();
      const licensed = await createRecurringPrice(h.stripe, 1500);
      const usage = await meteredPrice(m, 'usd', { unit_amount: 2 });
      const { customer } = await clockCustomer();
      const sub = await subscribe(customer, [{ price: licensed.id, quantity: 1 }, { price: usage.id }]);
      const metered = sub.items.data.find((it) => it.price.id === usage.id)!;
      expect(metered).not.toHaveProperty('quantity');
      expect(metered.plan).toMatchObject({ usage_type: 'metered', meter: m.id });
      const first = await h.stripe.invoices.retrieve(idOf(sub.latest_invoice));
      expect(first.amount_paid).toBe(1500);
      const usageLine = first.lines.data.find((l) => l.pricing?.price_details?.price === usage.id);
      expect([usageLine?.quantity, usageLine?.amount]).toEqual([0, 0]);

      expect(await h.stripe.subscriptionItems.del(metered.id)).toMatchObject({
        id: metered.id,
        deleted: true,
      });
      const after = await h.stripe.subscriptions.retrieve(sub.id);
      expect(after.items.data.map((it) => it.price.id)).toEqual([licensed.id]);
      const last = after.items.data[0];
      const refused = await stripeError(h.stripe.subscriptionItems.del(last.id));
      expect(refused.statusCode).toBe(400);

      // Through the API: no quantity on the metered item (refused when given), a $0 first invoice.
      const { customer: c3 } = await clockCustomer();
      const quantityRefused = await stripeError(
        h.stripe.subscriptions.create({ customer: c3.id, items: [{ price: usage.id, quantity: 2 }] }),
      );
      expect([quantityRefused.statusCode, quantityRefused.param]).toEqual([400, 'items[0][quantity]']);
      const apiSub = await h.stripe.subscriptions.create({ customer: c3.id, items: [{ price: usage.id }] });
      expect(apiSub.items.data[0]).not.toHaveProperty('quantity');
      const apiInvoice = await h.stripe.invoices.retrieve(idOf(apiSub.latest_invoice));
      expect([apiSub.status, apiInvoice.status, apiInvoice.amount_due]).toEqual(['active', 'paid', 0]);

      // The same through subscriptions.update: add nothing, remove the metered item of another subscription.
      const { customer: c2 } = await clockCustomer();
      const sub2 = await subscribe(c2, [{ price: licensed.id, quantity: 1 }, { price: usage.id }]);
      const item2 = sub2.items.data.find((it) => it.price.id === usage.id)!;
      const updated = await h.stripe.subscriptions.update(sub2.id, {
        items: [{ id: item2.id, deleted: true }],
      });
      expect(updated.items.data.map((it) => it.price.id)).toEqual([licensed.id]);
      expect((await h.stripe.invoices.list({ subscription: sub2.id })).data).toHaveLength(1);
    });

    it('renewal: transform_quantity packages, a mid-period switch bills only later usage, trial usage is not charged', async () => {
      const m = await meter();
      const hourly = await h.stripe.prices.create({
        product: await product('Car rental'),
        currency: 'usd',
        unit_amount: 1000,
        recurring: { interval: 'month', usage_type: 'metered', meter: m.id },
        transform_quantity: { divide_by: 60, round: 'up' },
      });
      expect(hourly.transform_quantity).toEqual({ divide_by: 60, round: 'up' });
      const perUnit = await meteredPrice(m, 'usd', { unit_amount: 5 });
      const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: START });
      const renter = await h.stripe.customers.create({ email: 'r@example.com', test_clock: clock.id });
      const switcher = await h.stripe.customers.create({ email: 's@example.com', test_clock: clock.id });
      const trialist = await h.stripe.customers.create({ email: 't@example.com', test_clock: clock.id });
      const rental = await subscribe(renter, [{ price: hourly.id }]);
      const switched = await subscribe(switcher, [{ price: hourly.id }]);
      const session = await h.stripe.checkout.sessions.create({
        mode: 'subscription',
        customer: trialist.id,
        line_items: [{ price: perUnit.id }],
        subscription_data: { trial_period_days: 7 },
        success_url: 'http://app.local/ok',
      });
      expect(await h.emulator.completeCheckout(session.id)).toEqual({ ok: true });
      const trial = idOf((await h.stripe.checkout.sessions.retrieve(session.id)).subscription);

      await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: START + 6 * DAY });
      await send(m, renter.id, 150, { timestamp: START + 5 * DAY }); // 150 minutes → 3 hours
      await send(m, switcher.id, 150, { timestamp: START + 5 * DAY }); // before the switch: not billed
      await send(m, trialist.id, 100, { timestamp: START + 5 * DAY }); // in the trial
      await h.stripe.subscriptions.update(switched.id, {
        items: [{ id: switched.items.data[0].id, price: perUnit.id }],
      });
      await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: START + 12 * DAY });
      await send(m, switcher.id, 7, { timestamp: START + 12 * DAY });
      await send(m, trialist.id, 9, { timestamp: START + 12 * DAY }); // after the trial: next invoice

      const trialInvoice = (await h.stripe.invoices.list({ subscription: trial })).data[0];
      expect(trialInvoice.billing_reason).toBe('subscription_cycle');
      expect(trialInvoice.status).toBe('paid'); // the trial ended at day 7: its draft hour is long over
      expect(trialInvoice.lines.data[0]).toMatchObject({ quantity: 100, amount: 0 });

      await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: START + 31 * DAY + HOUR + 1 });
      const line = async (sub: string) =>
        (await h.stripe.invoices.list({ subscription: sub })).data[0].lines.data[0];
      expect(await line(rental.id)).toMatchObject({ quantity: 150, amount: 3000 });
      expect((await line(rental.id)).description).toBe('150 × Car rental (at $10.00 per 60 / month)');
      expect(await line(switched.id)).toMatchObject({ quantity: 7, amount: 35 });
      expect((await line(switched.id)).period).toEqual({ start: START + 6 * DAY, end: START + 31 * DAY });
    });

    it('renewal (test clock): a draft invoice bills the ended period’s usage in usd and eur, late events count, it finalizes after the hour', async () => {
      const m = await meter();
      const usd = await meteredPrice(m, 'usd', { unit_amount_decimal: Stripe.Decimal.from('0.5') });
      const eur = await meteredPrice(m, 'eur', { unit_amount: 3 });
      const seat = await createRecurringPrice(h.stripe, 1000);
      const clock = await h.stripe.testHelpers.testClocks.create({ frozen_time: START });
      const alice = await h.stripe.customers.create({ email: 'alice@example.com', test_clock: clock.id });
      const bruno = await h.stripe.customers.create({ email: 'bruno@example.com', test_clock: clock.id });
      const subUsd = await subscribe(alice, [{ price: seat.id, quantity: 1 }, { price: usd.id }]);
      const subEur = await subscribe(bruno, [{ price: eur.id }]);
      expect(subEur.currency).toBe('eur');
      const periodEnd = subUsd.items.data[0].current_period_end;
      expect(periodEnd).toBe(START + 31 * DAY);

      await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: START + 20 * DAY });
      await send(m, alice.id, 1000, { timestamp: START + 3 * DAY });
      await send(m, alice.id, 1, { timestamp: START + 20 * DAY });
      await send(m, bruno.id, 40, { timestamp: START + 10 * DAY });
      await send(m, alice.id, 7, { timestamp: START - 60 }); // before the period: not billed

      await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: periodEnd + 60 });
      const draftUsd = (await h.stripe.invoices.list({ subscription: subUsd.id })).data[0];
      expect(draftUsd).toMatchObject({
        status: 'draft',
        billing_reason: 'subscription_cycle',
        automatically_finalizes_at: periodEnd + HOUR,
        period_start: START,
        period_end: periodEnd,
      });
      const usageLineOf = (inv: Stripe.Invoice, priceId: string) =>
        inv.lines.data.find((l) => l.pricing?.price_details?.price === priceId)!;
      expect(usageLineOf(draftUsd, usd.id)).toMatchObject({
        quantity: 1001,
        amount: 501, // 1001 × 0.5 = 500.5 → 501
        period: { start: START, end: periodEnd },
      });
      expect(usageLineOf(draftUsd, seat.id)).toMatchObject({ quantity: 1, amount: 1000 });
      expect(usageLineOf(draftUsd, seat.id).period.start).toBe(periodEnd);
      const draftEur = (await h.stripe.invoices.list({ subscription: subEur.id })).data[0];
      expect(draftEur.status).toBe('draft');
      expect(draftEur.currency).toBe('eur');
      expect(usageLineOf(draftEur, eur.id)).toMatchObject({ quantity: 40, amount: 120, currency: 'eur' });

      // Late events for the ended period, inside the draft hour, are counted; events of the new period are not.
      await send(m, alice.id, 2, { timestamp: periodEnd - 100 });
      await send(m, bruno.id, 5, { timestamp: periodEnd - 1 });
      await send(m, alice.id, 50, { timestamp: periodEnd + 30 });
      await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: periodEnd + HOUR - 1 });
      expect((await h.stripe.invoices.retrieve(draftUsd.id)).status).toBe('draft');
      await h.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: periodEnd + HOUR + 1 });

      const paidUsd = await h.stripe.invoices.retrieve(draftUsd.id);
      expect(paidUsd.status).toBe('paid');
      expect(paidUsd.automatically_finalizes_at).toBeNull();
      expect(paidUsd.status_transitions.finalized_at).toBe(periodEnd + HOUR);
      expect(usageLineOf(paidUsd, usd.id)).toMatchObject({ quantity: 1003, amount: 502 }); // 501.5 → 502
      expect(paidUsd.amount_paid).toBe(1000 + 502);
      const paidEur = await h.stripe.invoices.retrieve(draftEur.id);
      expect(usageLineOf(paidEur, eur.id)).toMatchObject({ quantity: 45, amount: 135 });
      expect([paidEur.status, paidEur.amount_paid, paidEur.currency]).toEqual(['paid', 135, 'eur']);
      // The new period's event waits for the next renewal.
      expect(await total(m, alice.id, periodEnd, periodEnd + HOUR)).toBe(50);

      await h.emulator.whenDeliveriesSettled(5000);
      const lifecycle = h.webhooks.received
        .filter((r) => (r.event.data.object as { id?: string }).id === draftUsd.id)
        .map((r) => [r.event.type, r.event.created - periodEnd]);
      expect(lifecycle).toEqual([
        ['invoice.created', 0],
        ['invoice.finalized', HOUR],
        ['invoice.paid', HOUR],
        ['invoice.payment_succeeded', HOUR],
      ]);
    });
  });
});
