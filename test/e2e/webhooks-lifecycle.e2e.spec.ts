import type Stripe from 'stripe';
import { GrantsService } from '../../src/credits/grants.service';
import { EntitlementsService } from '../../src/entitlements/entitlements.service';
import { LoggingNotifier } from '../../src/payments/notifier';
import { Subscription } from '../../src/payments/subscription.entity';
import { registerUser, TestUser } from '../factories/user.factory';
import {
  catalogPrice,
  credits,
  deliver,
  eventsAbout,
  eventStatus,
  ledgerEntries,
  ledgerReasons,
  openCheckout,
  settle,
  stripeOf,
  waitForCredits,
  settleAndVerify,
} from '../support/stripe-helpers';
import { createTestApp, TestApp, waitFor } from '../support/test-app';
import { NO_OVERAGE } from '../support/credit-shapes';

const DAY = 86_400;
const HOUR = 3_600;
const SUCCEEDS = '4242424242424242';
/** Attaches, so a trial starts, but every later charge fails. */
const FAILS_LATER = '4000000000000341';

const userSubscription = async (t: TestApp, user: TestUser) =>
  (await t.http().get('/payments/get-user-subscription').set(user.auth).expect(200)).body as {
    has_subscription: boolean;
    status?: string;
    has_access?: boolean;
    plan?: { name: string; monthly_credits: number } | null;
    cancel_at_period_end?: boolean;
  };

/** The mirror row, with the last period Credits applied for it (Credits keeps that in its own table). */
const subscriptionRow = async (t: TestApp, id: string) => ({
  ...(await t.dataSource.getRepository(Subscription).findOneByOrFail({ id })),
  creditsPeriodStart: await t.app.get(GrantsService).lastPeriodStart(id),
});

const invoiceOf = (e: Stripe.Event) => e.data.object as Stripe.Invoice;

interface ClockSubscription {
  clockId: string;
  customerId: string;
  subscriptionId: string;
  trialEnd: number;
}

/**
 * A customer attached to a fresh test clock buys `priceId` with a 14-day trial (the SDK call the payments
 * routes make), pays with `card` on the emulator's hosted checkout, and everything is delivered and processed.
 */
async function subscribeOnClock(
  t: TestApp,
  user: TestUser,
  priceId: string,
  card = SUCCEEDS,
): Promise<ClockSubscription> {
  const stripe = stripeOf(t);
  const clock = await stripe.testHelpers.testClocks.create({
    frozen_time: Math.floor(Date.now() / 1000),
    name: `lifecycle ${user.email}`,
  });
  const customer = await stripe.customers.create({
    email: user.email,
    test_clock: clock.id,
    metadata: { user_id: user.id },
  });
  await t.dataSource.query('UPDATE users SET customer_id = $2 WHERE id = $1', [user.id, customer.id]);
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    customer: customer.id,
    client_reference_id: user.id,
    metadata: { user_id: user.id },
    line_items: [{ price: priceId, quantity: 1 }],
    subscription_data: { trial_period_days: 14, metadata: { user_id: user.id } },
    success_url: 'http://localhost:3000/payments/success?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://localhost:3000/payments/cancel',
  });
  expect(await t.emulator.completeCheckout(session.id, { card })).toEqual({ ok: true });
  await settle(t);
  const subscriptionId = (await stripe.checkout.sessions.retrieve(session.id)).subscription as string;
  const sub = await stripe.subscriptions.retrieve(subscriptionId);
  expect(sub.status).toBe('trialing');
  return { clockId: clock.id, customerId: customer.id, subscriptionId, trialEnd: sub.trial_end! };
}

/** Moves the clock (Stripe runs every billing transition in between), then lets every delivery land. */
async function advance(t: TestApp, clockId: string, frozenTime: number): Promise<void> {
  const clock = await stripeOf(t).testHelpers.testClocks.advance(clockId, { frozen_time: frozenTime });
  expect(clock.status).toBe('ready');
  await settle(t);
}

const periodEnd = async (t: TestApp, subscriptionId: string): Promise<number> =>
  (await stripeOf(t).subscriptions.retrieve(subscriptionId)).items.data[0].current_period_end;

async function waitProcessed(t: TestApp, id: string): Promise<void> {
  await waitFor(async () => (await eventStatus(t, id))?.status === 'processed', `${id} processed`);
}

describe('subscription lifecycle on test clocks (e2e)', () => {
  let t: TestApp;
  let pro: { productId: string; priceId: string };
  let business: { productId: string; priceId: string };
  let pack: { productId: string; priceId: string };

  beforeAll(async () => {
    t = await createTestApp();
    pro = await catalogPrice(t, 'subscription', 'Pro Plan');
    business = await catalogPrice(t, 'subscription', 'Business Plan');
    pack = await catalogPrice(t, 'one_time');
  });
  afterEach(() => settleAndVerify(t));
  afterAll(async () => t.close());

  it('grants the trial its monthly credits, then each paid cycle expires the unused ones and grants the allowance again; an old invoice.paid delivered late changes nothing', async () => {
    const user = await registerUser(t);
    const { clockId, customerId, subscriptionId, trialEnd } = await subscribeOnClock(t, user, pro.priceId);
    expect(await credits(t, user)).toEqual({
      monthly_credits: 100,
      purchased_credits: 0,
      promotional_credits: 0,
      total_credits: 100,
      held_credits: 0,
      expiring: [expect.objectContaining({ amount: expect.any(Number) })],
      overage: NO_OVERAGE,
    });
    expect(await ledgerReasons(t, user)).toEqual(['subscription_grant']);
    await t.http().post('/credits/consume').set(user.auth).send({ amount: 30 }).expect(200);

    // Trial ends: Stripe bills the first cycle (subscription_cycle) and the subscription becomes active.
    await advance(t, clockId, trialEnd + HOUR);
    expect(await credits(t, user)).toEqual({
      monthly_credits: 100,
      purchased_credits: 0,
      promotional_credits: 0,
      total_credits: 100,
      held_credits: 0,
      expiring: [expect.objectContaining({ amount: expect.any(Number) })],
      overage: NO_OVERAGE,
    });
    const afterTrial = await ledgerEntries(t, user);
    expect(afterTrial.map((e) => [e.reason, e.amount])).toEqual([
      ['period_reset', 100],
      ['period_expiry', -70],
      ['consume', -30],
      ['subscription_grant', 100],
    ]);
    expect(afterTrial[0].metadata.period_start).toBe(new Date(trialEnd * 1000).toISOString());
    expect(await userSubscription(t, user)).toMatchObject({ status: 'active', has_access: true });

    // One month later: another paid cycle, another reset.
    const secondPeriodStart = await periodEnd(t, subscriptionId);
    await advance(t, clockId, secondPeriodStart + HOUR);
    expect((await ledgerEntries(t, user)).slice(0, 2).map((e) => [e.reason, e.amount])).toEqual([
      ['period_reset', 100],
      ['period_expiry', -100],
    ]);
    const row = await subscriptionRow(t, subscriptionId);
    expect(row).toMatchObject({ status: 'active' });
    expect(row.creditsPeriodStart?.getTime()).toBe(secondPeriodStart * 1000);
    expect(row.currentPeriodStart?.getTime()).toBe(secondPeriodStart * 1000);

    // Every earlier invoice.paid again, under new event ids (a late duplicate from Stripe's view).
    const paid = await eventsAbout(t, ['invoice.paid'], customerId);
    expect(paid.map((e) => invoiceOf(e).billing_reason)).toEqual([
      'subscription_create',
      'subscription_cycle',
      'subscription_cycle',
    ]);
    const before = await ledgerEntries(t, user);
    for (const old of paid.slice(0, 2)) {
      const late = { ...old, id: `${old.id}_late` };
      expect((await deliver(t, late)).status).toBe(200);
      await waitProcessed(t, late.id);
    }
    expect(await ledgerEntries(t, user)).toEqual(before);
    const after = await subscriptionRow(t, subscriptionId);
    expect(after.creditsPeriodStart?.getTime()).toBe(secondPeriodStart * 1000);
    expect(after.currentPeriodStart?.getTime()).toBe(secondPeriodStart * 1000);
  });

  it('warns 3 days before the trial ends, keeps access while a failed renewal is past_due, and ends the monthly credits when the retries run out', async () => {
    const user = await registerUser(t);
    const notifier = t.app.get(LoggingNotifier);
    const sent = (kind: string) => notifier.sent.filter((n) => n.userId === user.id && n.kind === kind);
    const { clockId, subscriptionId, trialEnd } = await subscribeOnClock(t, user, pro.priceId, FAILS_LATER);
    expect(await credits(t, user)).toMatchObject({ monthly_credits: 100 });

    await advance(t, clockId, trialEnd - 3 * DAY - HOUR);
    expect(sent('trial_will_end')).toEqual([]);
    await advance(t, clockId, trialEnd - 3 * DAY + HOUR);
    expect(sent('trial_will_end')).toEqual([
      {
        kind: 'trial_will_end',
        userId: user.id,
        reference: subscriptionId,
        data: { trial_end: new Date(trialEnd * 1000).toISOString() },
      },
    ]);

    // The first renewal fails: past_due, still usable for PAST_DUE_GRACE_DAYS, nothing new granted.
    await advance(t, clockId, trialEnd + HOUR);
    expect(await userSubscription(t, user)).toMatchObject({ status: 'past_due', has_access: true });
    expect(sent('payment_failed').map((n) => n.data?.attempt_count)).toEqual([1]);
    expect(await ledgerReasons(t, user)).toEqual(['subscription_grant']);
    const row = await subscriptionRow(t, subscriptionId);
    expect(row.pastDueSince).toBeInstanceOf(Date);
    const access = t.app.get(EntitlementsService);
    const afterGrace = new Date(row.pastDueSince!.getTime() + 8 * DAY * 1000);
    expect(access.hasAccess(row, afterGrace)).toBe(false); // default PAST_DUE_GRACE_DAYS = 7

    // Retries 3 and 5 days later fail too; then Stripe cancels the subscription.
    await advance(t, clockId, trialEnd + 9 * DAY);
    expect(sent('payment_failed').map((n) => n.data?.attempt_count)).toEqual([1, 2, 3]);
    expect((await subscriptionRow(t, subscriptionId)).status).toBe('canceled');
    expect(await credits(t, user)).toEqual({
      monthly_credits: 0,
      purchased_credits: 0,
      promotional_credits: 0,
      total_credits: 0,
      held_credits: 0,
      expiring: [],
      overage: NO_OVERAGE,
    });
    expect((await ledgerEntries(t, user)).map((e) => [e.reason, e.amount])).toEqual([
      ['subscription_ended', -100],
      ['subscription_grant', 100],
    ]);
    expect(await userSubscription(t, user)).toMatchObject({ has_subscription: false });
  });

  it('ends a subscription cancelled at period end when the period ends, and its monthly credits with it', async () => {
    const user = await registerUser(t);
    const { clockId, subscriptionId, trialEnd } = await subscribeOnClock(t, user, pro.priceId);
    await advance(t, clockId, trialEnd + HOUR);
    await t.http().post('/credits/consume').set(user.auth).send({ amount: 40 }).expect(200);

    const cancelled = await t.http().delete('/payments/cancel-subscription').set(user.auth).expect(200);
    expect(cancelled.body).toMatchObject({ status: 'active', cancel_at_period_end: true, has_access: true });
    await settle(t);

    const end = await periodEnd(t, subscriptionId);
    await advance(t, clockId, end - HOUR);
    expect(await userSubscription(t, user)).toMatchObject({ status: 'active', has_access: true });
    await advance(t, clockId, end + HOUR);
    expect((await subscriptionRow(t, subscriptionId)).status).toBe('canceled');
    expect(await userSubscription(t, user)).toMatchObject({ has_subscription: false });
    expect((await ledgerEntries(t, user)).map((e) => [e.reason, e.amount])).toEqual([
      ['subscription_ended', -60],
      ['consume', -40],
      ['period_reset', 100],
      ['period_expiry', -100],
      ['subscription_grant', 100],
    ]);
  });

  it('mirrors a plan change at once but applies the new allowance only from the next paid period', async () => {
    const user = await registerUser(t);
    const { clockId, subscriptionId, trialEnd } = await subscribeOnClock(t, user, pro.priceId);
    await advance(t, clockId, trialEnd + HOUR);
    await t.http().post('/credits/consume').set(user.auth).send({ amount: 10 }).expect(200);
    const before = await ledgerEntries(t, user);

    const stripe = stripeOf(t);
    const item = (await stripe.subscriptions.retrieve(subscriptionId)).items.data[0];
    await stripe.subscriptions.update(subscriptionId, {
      items: [{ id: item.id, price: business.priceId }],
      proration_behavior: 'create_prorations',
    });
    await settle(t);
    const row = await subscriptionRow(t, subscriptionId);
    expect(row.priceId).toBe(business.priceId);
    expect(await userSubscription(t, user)).toMatchObject({
      status: 'active',
      plan: { name: 'Business Plan', monthly_credits: 500 },
    });
    expect(await credits(t, user)).toMatchObject({ monthly_credits: 90 });
    expect(await ledgerEntries(t, user)).toEqual(before);

    await advance(t, clockId, (await periodEnd(t, subscriptionId)) + HOUR);
    const next = await ledgerEntries(t, user);
    expect(next.slice(0, 2).map((e) => [e.reason, e.amount])).toEqual([
      ['period_reset', 500],
      ['period_expiry', -90],
    ]);
    expect(next[0].metadata.plan_id).toBe(row.planId);
    expect(await credits(t, user)).toMatchObject({ monthly_credits: 500 });
  });

  it('grants nothing for a renewal whose invoice.paid arrives after the subscription has ended', async () => {
    const user = await registerUser(t);
    const { clockId, customerId, subscriptionId, trialEnd } = await subscribeOnClock(t, user, pro.priceId);
    const stripe = stripeOf(t);
    t.emulator.pauseDeliveries();
    await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: trialEnd + HOUR });
    await stripe.subscriptions.cancel(subscriptionId);
    const [deleted] = await eventsAbout(t, ['customer.subscription.deleted'], customerId);
    const cycle = (await eventsAbout(t, ['invoice.paid'], customerId)).find(
      (e) => invoiceOf(e).billing_reason === 'subscription_cycle',
    )!;
    expect((await deliver(t, deleted)).status).toBe(200);
    await waitProcessed(t, deleted.id);
    expect((await deliver(t, cycle)).status).toBe(200);
    await waitProcessed(t, cycle.id);
    t.emulator.resumeDeliveries(); // Stripe's own copies (and everything else) arrive now
    await settle(t);

    expect((await subscriptionRow(t, subscriptionId)).status).toBe('canceled');
    expect(await credits(t, user)).toEqual({
      monthly_credits: 0,
      purchased_credits: 0,
      promotional_credits: 0,
      total_credits: 0,
      held_credits: 0,
      expiring: [],
      overage: NO_OVERAGE,
    });
    expect(await ledgerReasons(t, user)).toEqual(['subscription_ended', 'subscription_grant']);
  });

  it('grants nothing for a completed checkout that is not paid yet, and grants once when the delayed payment succeeds', async () => {
    // The emulator has no delayed payment methods: its sessions complete paid. So the 'unpaid' completion is
    // hand-built for a session that is still open, and the async success is delivered once it is paid.
    // Fulfilment re-reads the session from Stripe, so Stripe's current answer decides, not the payload.
    const user = await registerUser(t);
    const session = await openCheckout(t, user, 'payment', pack.priceId);
    const unpaid = {
      id: `evt_unpaid_${session.id}`,
      object: 'event',
      api_version: '2026-10-28.endive',
      type: 'checkout.session.completed',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object: { ...session, status: 'complete', payment_status: 'unpaid' } },
    };
    expect((await deliver(t, unpaid)).status).toBe(200);
    await waitProcessed(t, unpaid.id);
    expect(await credits(t, user)).toMatchObject({ total_credits: 0 });

    t.emulator.pauseDeliveries();
    expect(await t.emulator.completeCheckout(session.id, { card: SUCCEEDS })).toEqual({ ok: true });
    const paidSession = await stripeOf(t).checkout.sessions.retrieve(session.id);
    expect(paidSession.payment_status).toBe('paid');
    const succeeded = (id: string) => ({
      ...unpaid,
      id,
      type: 'checkout.session.async_payment_succeeded',
      data: { object: paidSession },
    });
    for (const id of [`evt_async_ok_${session.id}`, `evt_async_ok_again_${session.id}`]) {
      expect((await deliver(t, succeeded(id))).status).toBe(200);
      await waitProcessed(t, id);
    }
    t.emulator.resumeDeliveries(); // the real checkout.session.completed (paid) arrives too
    await settle(t);
    await waitForCredits(t, user, 100);
    expect(await ledgerReasons(t, user)).toEqual(['purchase']);
  });
});

describe('webhook secret rotation (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { WEBHOOK_SECRET: 'whsec_old,whsec_new' } });
  });
  afterEach(() => settleAndVerify(t));
  afterAll(async () => t.close());

  it('accepts deliveries signed with either configured secret and rejects any other', async () => {
    const event = (id: string) => ({
      id,
      object: 'event',
      type: 'issuing_card.created',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'ic_1' } },
    });
    expect((await deliver(t, event('evt_rot_old'), { secret: 'whsec_old' })).status).toBe(200);
    expect((await deliver(t, event('evt_rot_new'), { secret: 'whsec_new' })).status).toBe(200);
    const other = await deliver(t, event('evt_rot_other'), { secret: 'whsec_other' });
    expect(other.status).toBe(400);
    expect(other.body.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    expect(await eventStatus(t, 'evt_rot_other')).toBeUndefined();
    await waitFor(async () => (await eventStatus(t, 'evt_rot_new'))?.status === 'ignored', 'new ignored');
    await waitFor(async () => (await eventStatus(t, 'evt_rot_old'))?.status === 'ignored', 'old ignored');

    // The emulator signs its own deliveries with the first secret: a real purchase goes through.
    const user = await registerUser(t);
    const session = await openCheckout(t, user, 'payment', (await catalogPrice(t, 'one_time')).priceId);
    expect(await t.emulator.completeCheckout(session.id, { card: SUCCEEDS })).toEqual({ ok: true });
    await settle(t);
    await waitForCredits(t, user, 100);
  });
});
