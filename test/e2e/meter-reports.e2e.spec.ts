import { randomUUID } from 'node:crypto';
import { register } from 'prom-client';
import Stripe from 'stripe';
import { MeterReportsService } from '../../src/credits/meter-reports.service';
import { LedgerService } from '../../src/credits/ledger/ledger.service';
import { METRIC } from '../../src/metrics/metrics';
import { MeterReporter } from '../../src/payments/meter-reporter.service';
import { registerUser, TestUser } from '../factories/user.factory';
import { stripeOf } from '../support/stripe-helpers';
import { createTestApp, TestApp, waitFor } from '../support/test-app';

const EVENT = 'tollgate_overage_credits';
const DAY = 86_400;

/**
 * The meter report worker and the period close, against the emulator's billing meters: overage consumes write
 * reports, the worker (run directly, no timer) sends them as meter events, and Stripe's event summary for the
 * customer equals what Tollgate recorded — through re-sends, a worker killed mid-flush, refusals that end dead
 * and an operator's retry, and the renewal's draft invoice, whose `invoice.created` flushes the period.
 */
describe('meter reports to Stripe (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  let stripe: Stripe;
  let reporter: MeterReporter;
  let meter: Stripe.Billing.Meter;
  let meteredPrice: Stripe.Price;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        METER_REPORTS_ENABLED: 'false',
        METER_REPORTS_MAX_ATTEMPTS: '3',
        METER_REPORTS_RETRY_BASE_MS: '60000',
        METER_REPORTS_BATCH_SIZE: '4',
      },
    });
    admin = await registerUser(t, 'admin@tollgate.test');
    stripe = stripeOf(t);
    reporter = t.app.get(MeterReporter);
    meter = await stripe.billing.meters.create({
      display_name: 'Overage credits',
      event_name: EVENT,
      default_aggregation: { formula: 'sum' },
    });
    meteredPrice = await stripe.prices.create({
      product: (await stripe.products.create({ name: 'Overage' })).id,
      currency: 'usd',
      unit_amount_decimal: Stripe.Decimal.from('0.5'),
      recurring: { interval: 'month', usage_type: 'metered', meter: meter.id },
    });
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => t.close());

  /** A user with a Stripe customer (optionally on a test clock) and an overage policy over [start, end). */
  async function overageUser(
    opts: { start?: number; end?: number; customer?: string | null; user?: TestUser } = {},
  ) {
    const user = opts.user ?? (await registerUser(t));
    const now = Math.floor(Date.now() / 1000);
    const customer =
      opts.customer === undefined
        ? (await stripe.customers.create({ email: user.email, metadata: { user_id: user.id } })).id
        : opts.customer;
    if (customer)
      await t.dataSource.query('UPDATE users SET customer_id = $2 WHERE id = $1', [user.id, customer]);
    await t.dataSource.transaction((m) =>
      t.app.get(LedgerService).setOveragePolicy(m, user.id, {
        periodStart: new Date((opts.start ?? now - DAY) * 1000),
        periodEnd: new Date((opts.end ?? now + 29 * DAY) * 1000),
        cap: 10_000,
        currency: 'usd',
        unitAmountDecimal: '0.5',
        eventName: EVENT,
      }),
    );
    return { user, customer };
  }
  const consume = (user: TestUser, amount: number) =>
    t.http().post('/credits/consume').set(user.auth).send({ amount }).expect(200);
  const local = async (user: TestUser) =>
    (
      await t.dataSource.query<Array<{ n: number }>>(
        `SELECT COALESCE(sum(value), 0)::int AS n FROM credit_meter_reports WHERE user_id = $1`,
        [user.id],
      )
    )[0].n;
  const statuses = (user: TestUser) =>
    t.dataSource.query<
      Array<{ id: string; status: string; attempts: number; last_error: string | null; due: boolean }>
    >(
      `SELECT id::text, status, attempts, last_error, next_attempt_at <= now() AS due
         FROM credit_meter_reports WHERE user_id = $1 ORDER BY id`,
      [user.id],
    );
  /** Stripe's summary of the meter for the customer over a whole-minute window around now (± 2 days). */
  const summary = async (customer: string, from?: number, to?: number) => {
    const now = Math.floor(Date.now() / 60_000) * 60;
    let total = 0;
    for await (const s of stripe.billing.meters.listEventSummaries(meter.id, {
      customer,
      start_time: from ?? now - 2 * DAY,
      end_time: to ?? now + 2 * DAY,
    }))
      total += s.aggregated_value;
    return total;
  };
  const makeDue = (user: TestUser) =>
    t.dataSource.query(
      `UPDATE credit_meter_reports SET next_attempt_at = now() WHERE user_id = $1 AND status = 'pending'`,
      [user.id],
    );

  it('sends each overage consume as a meter event; Stripe’s summary equals the local total exactly', async () => {
    const { user, customer } = await overageUser();
    for (const n of [3, 1, 7, 2, 5]) await consume(user, n);
    expect(await local(user)).toBe(18);
    expect(await summary(customer!)).toBe(0);

    const run = await reporter.runOnce();

    expect(run.claimed).toBeGreaterThanOrEqual(5);
    expect(await summary(customer!)).toBe(18);
    expect((await statuses(user)).map((r) => r.status)).toEqual(Array(5).fill('sent'));
    expect((await reporter.runOnce()).claimed).toBe(0);
  });

  it('a report sent twice (a sent row reset to pending) is deduplicated by its identifier: the summary is unchanged', async () => {
    const { user, customer } = await overageUser();
    await consume(user, 4);
    await consume(user, 6);
    await reporter.runOnce();
    expect(await summary(customer!)).toBe(10);

    await t.dataSource.query(
      `UPDATE credit_meter_reports SET status = 'pending', sent_at = NULL WHERE user_id = $1`,
      [user.id],
    );
    await reporter.runOnce();
    expect(await summary(customer!)).toBe(10);
    expect((await statuses(user)).map((r) => r.status)).toEqual(['sent', 'sent']);

    // Stripe already holding the identifier (an event sent by an attempt that crashed, past the idempotency
    // window): Stripe refuses it as a duplicate, and the report counts as sent.
    await consume(user, 5);
    const [{ identifier }] = await t.dataSource.query<Array<{ identifier: string }>>(
      `SELECT identifier FROM credit_meter_reports WHERE user_id = $1 AND status = 'pending'`,
      [user.id],
    );
    await stripe.billing.meterEvents.create({
      event_name: EVENT,
      payload: { stripe_customer_id: customer!, value: '5' },
      identifier,
    });
    const run = await reporter.runOnce();
    expect(run.duplicate).toBe(1);
    expect(await summary(customer!)).toBe(15);
    expect((await statuses(user)).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
  });

  it('a worker killed mid-flush (events sent, outcomes not recorded) and run again: Stripe’s summary equals the local total exactly', async () => {
    const { user, customer } = await overageUser();
    for (const n of [2, 3, 4, 5, 6, 7]) await consume(user, n);
    const reports = t.app.get(MeterReportsService);
    const markSent = reports.markSent.bind(reports);
    let recorded = 0;
    // The process dies after recording two outcomes: the others were accepted by Stripe, their rows still leased.
    jest.spyOn(reports, 'markSent').mockImplementation((job) => {
      recorded += 1;
      return recorded <= 2 ? markSent(job) : Promise.reject(new Error('killed'));
    });
    await reporter.runOnce();
    jest.restoreAllMocks();
    // A batch of four: two recorded, two left leased; the pair's last two stay pending (a pair with a report
    // under a live lease is not claimed again, so its reports are never sent by two workers at once).
    expect((await statuses(user)).map((r) => r.status).sort()).toEqual([
      'pending',
      'pending',
      'sending',
      'sending',
      'sent',
      'sent',
    ]);
    // Stripe has every report the killed run sent, recorded or not.
    const [{ sentOrLeased }] = await t.dataSource.query<Array<{ sentOrLeased: number }>>(
      `SELECT sum(value)::int AS "sentOrLeased" FROM credit_meter_reports WHERE user_id = $1 AND status <> 'pending'`,
      [user.id],
    );
    expect(await summary(customer!)).toBe(sentOrLeased);

    // Nothing is taken while the leases hold; once they expire, the next run sends them again.
    expect((await reporter.runOnce()).claimed).toBe(0);
    await t.dataSource.query(
      `UPDATE credit_meter_reports SET locked_until = now() - interval '1 second' WHERE user_id = $1 AND status = 'sending'`,
      [user.id],
    );
    const again = await reporter.runOnce();
    expect(again).toMatchObject({ claimed: 4, duplicate: 2, sent: 2 });
    expect((await statuses(user)).map((r) => r.status)).toEqual(Array(6).fill('sent'));
    expect(await summary(customer!)).toBe(await local(user));
    expect(await local(user)).toBe(27);
  });

  it('a send that fails half way (Stripe unreachable after three events) is retried: the summary ends equal to the local total', async () => {
    const { user, customer } = await overageUser();
    for (const n of [1, 2, 3, 4, 5, 6]) await consume(user, n);
    const create = stripe.billing.meterEvents.create.bind(stripe.billing.meterEvents);
    let calls = 0;
    jest.spyOn(stripe.billing.meterEvents, 'create').mockImplementation((params, options) => {
      calls += 1;
      return calls <= 3 ? create(params, options) : Promise.reject(new Error('connect ECONNRESET'));
    });
    await reporter.runOnce();
    jest.restoreAllMocks();
    const after = await statuses(user);
    expect(after.filter((r) => r.status === 'pending')).toHaveLength(3);
    expect(after.filter((r) => r.status === 'pending').every((r) => !r.due && r.attempts === 1)).toBe(true);
    expect(after.find((r) => r.status === 'pending')?.last_error).toBe('Error: connect ECONNRESET');
    expect(await summary(customer!)).toBe(6);

    await makeDue(user);
    await reporter.runOnce();
    expect(await summary(customer!)).toBe(21);
    expect(await local(user)).toBe(21);
  });

  it('a refusal (unknown customer) is retried with backoff, then dead and shown to the operator; the retry sends it once fixed', async () => {
    const { user } = await overageUser({ customer: `cus_missing${randomUUID().slice(0, 8)}` });
    await consume(user, 9);

    await reporter.runOnce();
    let [row] = await statuses(user);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, due: false });
    expect(row.last_error).toContain('meter_event_customer_not_found');
    for (const attempts of [2, 3]) {
      await makeDue(user);
      await reporter.runOnce();
      [row] = await statuses(user);
      expect(row.attempts).toBe(attempts);
    }
    expect(row.status).toBe('dead');

    const view = await t.http().get('/admin/meter-reports').set(admin.auth).expect(200);
    expect(view.body.dead).toBeGreaterThanOrEqual(1);
    expect(view.body.dead_reports).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: row.id, user_id: user.id, value: 9, status: 'dead', attempts: 3 }),
      ]),
    );
    expect(await register.getSingleMetricAsString(METRIC.meterReportsDead)).toMatch(
      new RegExp(`${METRIC.meterReportsDead} [1-9]`),
    );
    await t.http().get('/admin/meter-reports').set(user.auth).expect(403);

    // Fixed: the user's real customer; the operator retries the dead report and the next run sends it.
    const customer = await stripe.customers.create({ email: user.email });
    await t.dataSource.query('UPDATE users SET customer_id = $2 WHERE id = $1', [user.id, customer.id]);
    const retried = await t
      .http()
      .post('/admin/meter-reports/retry')
      .set(admin.auth)
      .send({ ids: [row.id] })
      .expect(200);
    expect(retried.body).toEqual({ retried: 1 });
    await reporter.runOnce();
    expect((await statuses(user))[0]).toMatchObject({ status: 'sent', last_error: null });
    expect(await summary(customer.id)).toBe(9);
    await t
      .http()
      .post('/admin/meter-reports/retry')
      .set(admin.auth)
      .send({ ids: ['x'] })
      .expect(400);
  });

  it('a user without a Stripe customer waits (retried); a report past Stripe’s 35-day window is dead at once with that reason', async () => {
    const { user } = await overageUser({ customer: null });
    await consume(user, 2);
    await reporter.runOnce();
    expect((await statuses(user))[0]).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_error: 'the user has no Stripe customer',
    });

    const { user: old } = await overageUser();
    await consume(old, 3);
    await t.dataSource.query(
      `UPDATE credit_meter_reports SET occurred_at = now() - interval '36 days' WHERE user_id = $1`,
      [old.id],
    );
    await reporter.runOnce();
    const [row] = await statuses(old);
    expect(row).toMatchObject({ status: 'dead', attempts: 1 });
    expect(row.last_error).toContain('35-day');
  });

  /** A customer on a test clock subscribed to the meter's metered price, and its user with the period's policy. */
  async function meteredSubscriber() {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
    const customer = await stripe.customers.create({ test_clock: clock.id });
    const user = await registerUser(t);
    await t.dataSource.query('UPDATE users SET customer_id = $2 WHERE id = $1', [user.id, customer.id]);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: meteredPrice.id }],
    });
    // Its webhooks processed first: a period of a price that is no plan with overage sets no overage (it would
    // clear the policy set below if it came after).
    await t.emulator.whenDeliveriesSettled(15_000);
    await waitFor(async () => {
      const [{ n }] = await t.dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM webhook_events WHERE status NOT IN ('processed', 'ignored', 'dead')`,
      );
      return n === 0;
    }, 'the subscription’s webhooks processed');
    const { current_period_start: start, current_period_end: end } = sub.items.data[0];
    await overageUser({ start, end, customer: customer.id, user });
    return { user, customer: customer.id, clock: clock.id, start, end };
  }
  /** The renewal's invoice.created in the inbox, once it reached `status`. */
  const renewalEvent = (customer: string, status = 'processed') =>
    waitFor(async () => {
      const [e] = await t.dataSource.query<Array<{ status: string; attempts: number; invoice: string }>>(
        `SELECT status, attempts, payload->'data'->'object'->>'id' AS invoice FROM webhook_events
          WHERE type = 'invoice.created' AND payload->'data'->'object'->>'customer' = $1
            AND payload->'data'->'object'->>'billing_reason' = 'subscription_cycle'`,
        [customer],
      );
      return e?.status === status ? e : undefined;
    }, `the renewal’s invoice.created ${status}`);
  const mismatches = async (reason: string) => {
    const text = await register.getSingleMetricAsString(METRIC.meterUsageMismatches);
    return Number(new RegExp(`reason="${reason}"} (\\d+)`).exec(text)?.[1] ?? 0);
  };

  it('period close: the renewal’s draft invoice (invoice.created) sends the period’s pending reports, and the invoice bills exactly the recorded overage', async () => {
    const { user, customer, clock, start, end } = await meteredSubscriber();
    for (const n of [4, 8, 12]) await consume(user, n);
    // Part of it was sent during the period; the rest is still waiting when the period ends.
    await reporter.runOnce();
    await consume(user, 6);
    await consume(user, 10);
    expect((await statuses(user)).filter((r) => r.status === 'pending')).toHaveLength(2);
    const unexplained = await mismatches('unexplained');

    await stripe.testHelpers.testClocks.advance(clock, { frozen_time: end + 60 });
    const closed = await renewalEvent(customer);

    expect((await statuses(user)).map((r) => r.status)).toEqual(Array(5).fill('sent'));
    expect(await summary(customer, Math.floor(start / 60) * 60, Math.ceil(end / 60) * 60)).toBe(40);
    expect(await mismatches('unexplained')).toBe(unexplained);
    expect((await stripe.invoices.retrieve(closed.invoice)).status).toBe('draft');

    // The draft hour passes: the invoice finalizes with the usage counted then — exactly what was recorded.
    await stripe.testHelpers.testClocks.advance(clock, { frozen_time: end + 2 * 3600 });
    const final = await stripe.invoices.retrieve(closed.invoice);
    expect(final.status).not.toBe('draft');
    const line = final.lines.data.find((l) => l.pricing?.price_details?.price === meteredPrice.id);
    expect(line?.quantity).toBe(40);
    expect(line?.amount).toBe(20);
  });

  it('period close: a send that fails fails the event (retried, then closed); a difference nothing explains is counted, not retried', async () => {
    const a = await meteredSubscriber();
    await consume(a.user, 7);
    const create = stripe.billing.meterEvents.create.bind(stripe.billing.meterEvents);
    let calls = 0;
    jest.spyOn(stripe.billing.meterEvents, 'create').mockImplementation((params, options) => {
      calls += 1;
      return calls === 1 ? Promise.reject(new Error('connect ECONNRESET')) : create(params, options);
    });
    await stripe.testHelpers.testClocks.advance(a.clock, { frozen_time: a.end + 60 });
    const closed = await renewalEvent(a.customer);
    expect(closed.attempts).toBeGreaterThanOrEqual(2);
    expect((await statuses(a.user)).map((r) => r.status)).toEqual(['sent']);
    expect(await summary(a.customer, Math.floor(a.start / 60) * 60, Math.ceil(a.end / 60) * 60)).toBe(7);
    jest.restoreAllMocks();

    // Something else sent 5 to the meter for this customer: Stripe counts 12 where Tollgate recorded 7.
    const b = await meteredSubscriber();
    await consume(b.user, 7);
    await reporter.runOnce();
    await stripe.billing.meterEvents.create({
      event_name: EVENT,
      payload: { stripe_customer_id: b.customer, value: '5' },
      identifier: `foreign-${randomUUID()}`,
    });
    const unexplained = await mismatches('unexplained');
    await stripe.testHelpers.testClocks.advance(b.clock, { frozen_time: b.end + 60 });
    expect((await renewalEvent(b.customer)).attempts).toBe(1);
    expect(await mismatches('unexplained')).toBe(unexplained + 1);
  });
});
