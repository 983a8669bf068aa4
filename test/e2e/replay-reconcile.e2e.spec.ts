import { bootCliApp } from '../../src/cli/cli-data-source';
import { formatReconcile, reconcile } from '../../src/cli/stripe-reconcile';
import { formatReplaySummary, parseDuration, replayEvents } from '../../src/cli/stripe-replay';
import { Subscription } from '../../src/payments/subscription.entity';
import { registerUser, TestUser } from '../factories/user.factory';
import {
  catalogPrice,
  credits,
  eventStatus,
  ledgerReasons,
  openCheckout,
  settle,
  stripeOf,
  waitForCredits,
  settleAndVerify,
} from '../support/stripe-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import { NO_OVERAGE } from '../support/credit-shapes';

const HOUR = 3_600;

async function subscribe(t: TestApp, user: TestUser, priceId: string): Promise<string> {
  const session = await openCheckout(t, user, 'subscription', priceId);
  expect(await t.emulator.completeCheckout(session.id, { card: '4242424242424242' })).toEqual({ ok: true });
  await settle(t);
  return (await stripeOf(t).checkout.sessions.retrieve(session.id)).subscription as string;
}

const row = (t: TestApp, id: string) => t.dataSource.getRepository(Subscription).findOneBy({ id });

describe('stripe:replay and stripe:reconcile (e2e)', () => {
  let t: TestApp;
  let plan: { productId: string; priceId: string };
  let pack: { productId: string; priceId: string };

  beforeAll(async () => {
    t = await createTestApp();
    plan = await catalogPrice(t, 'subscription', 'Pro Plan');
    pack = await catalogPrice(t, 'one_time');
  });
  afterEach(() => settleAndVerify(t));
  afterAll(async () => t.close());

  it('parses --since as 30m, 2h or 3d, at most 30 days', () => {
    expect(parseDuration('30m')).toBe(1_800);
    expect(parseDuration('2h')).toBe(7_200);
    expect(parseDuration('3d')).toBe(259_200);
    expect(parseDuration('30d')).toBe(2_592_000);
    for (const bad of [undefined, '', '2', 'h', '2w', '-2h', '0h', '31d', '2h30m']) {
      expect(() => parseDuration(bad)).toThrow(/--since/);
    }
  });

  it('replays events Stripe could not deliver through the same pipeline, once; a second run and the late deliveries change nothing', async () => {
    const user = await registerUser(t);
    t.emulator.pauseDeliveries(); // the webhook endpoint is "down": nothing reaches the app
    const session = await openCheckout(t, user, 'payment', pack.priceId);
    expect(await t.emulator.completeCheckout(session.id, { card: '4242424242424242' })).toEqual({ ok: true });
    expect(await credits(t, user)).toMatchObject({ total_credits: 0 });

    const first = await replayEvents(t.app, { sinceSeconds: HOUR, undeliveredOnly: true });
    expect(first.fetched).toBeGreaterThanOrEqual(3); // customer.created, payment_intent/charge, checkout…
    expect(first).toMatchObject({ new: first.fetched, duplicates: 0, processed: first.fetched, failed: 0 });
    expect(await credits(t, user)).toEqual({
      monthly_credits: 0,
      purchased_credits: 100,
      promotional_credits: 0,
      total_credits: 100,
      held_credits: 0,
      expiring: [],
      overage: NO_OVERAGE,
    });
    expect(formatReplaySummary(first)).toBe(
      `fetched ${first.fetched}, new ${first.fetched}, duplicates 0, processed ${first.fetched}, failed 0`,
    );

    const second = await replayEvents(t.app, { sinceSeconds: HOUR, undeliveredOnly: true });
    expect(second).toMatchObject({ fetched: first.fetched, new: 0, duplicates: first.fetched, processed: 0 });

    t.emulator.resumeDeliveries(); // Stripe's own deliveries finally arrive: all duplicates
    await settle(t);
    expect(await credits(t, user)).toMatchObject({ total_credits: 100 });
    expect(await ledgerReasons(t, user)).toEqual(['purchase']);
    expect(await replayEvents(t.app, { sinceSeconds: HOUR, undeliveredOnly: true })).toMatchObject({
      fetched: 0,
    });
  });

  it('re-records an event missing from the inbox and processes it idempotently', async () => {
    const user = await registerUser(t);
    const session = await openCheckout(t, user, 'payment', pack.priceId);
    await t.emulator.completeCheckout(session.id, { card: '4242424242424242' });
    await settle(t);
    await waitForCredits(t, user, 100);
    // Whatever the inbox never had before this test (e.g. the catalog's events from boot, emitted before the
    // webhook endpoint existed) is caught up first, so the next run shows only the deleted row.
    await replayEvents(t.app, { sinceSeconds: HOUR });
    const [lost]: Array<{ id: string }> = await t.dataSource.query(
      `SELECT id FROM webhook_events
        WHERE type = 'checkout.session.completed' AND payload->'data'->'object'->>'id' = $1`,
      [session.id],
    );
    await t.dataSource.query('DELETE FROM webhook_events WHERE id = $1', [lost.id]);
    expect(await eventStatus(t, lost.id)).toBeUndefined();

    const replay = await replayEvents(t.app, { sinceSeconds: HOUR });
    expect(replay).toMatchObject({ new: 1, duplicates: replay.fetched - 1, processed: 1, failed: 0 });
    expect((await eventStatus(t, lost.id))?.status).toBe('processed');
    expect(await replayEvents(t.app, { sinceSeconds: HOUR })).toMatchObject({ new: 0, processed: 0 });
    expect(await credits(t, user)).toMatchObject({ total_credits: 100 });
    expect(await ledgerReasons(t, user)).toEqual(['purchase']);
  });

  it('reports subscriptions that drifted from Stripe, mirrors them with fix, and is clean on the next run', async () => {
    const [a, b, c] = [await registerUser(t), await registerUser(t), await registerUser(t)];
    const [subA, subB, subC] = [
      await subscribe(t, a, plan.priceId),
      await subscribe(t, b, plan.priceId),
      await subscribe(t, c, plan.priceId),
    ];
    expect(await reconcile(t.app)).toMatchObject({ drift: [], exitCode: 0 });

    // A lost row, a tampered row, and an ending Stripe never told us about (its events are held back).
    await t.dataSource.query('DELETE FROM subscriptions WHERE id = $1', [subA]);
    await t.dataSource.query(
      `UPDATE subscriptions SET status = 'past_due', cancel_at_period_end = true,
              current_period_end = current_period_end + interval '1 day' WHERE id = $1`,
      [subB],
    );
    t.emulator.pauseDeliveries();
    await stripeOf(t).subscriptions.cancel(subC);

    const report = await reconcile(t.app);
    expect(report.exitCode).toBe(2);
    const byId = Object.fromEntries(report.drift.map((d) => [d.subscription_id, d]));
    expect(Object.keys(byId).sort()).toEqual([subA, subB, subC].sort());
    expect(byId[subA]).toMatchObject({ kind: 'missing', user_id: a.id });
    expect(byId[subB]).toMatchObject({
      kind: 'changed',
      fields: {
        status: { tollgate: 'past_due', stripe: 'trialing' },
        cancel_at_period_end: { tollgate: true, stripe: false },
      },
    });
    expect(Object.keys(byId[subB].fields).sort()).toEqual([
      'cancel_at_period_end',
      'current_period_end',
      'status',
    ]);
    expect(byId[subC]).toMatchObject({
      kind: 'changed',
      fields: { status: { tollgate: 'trialing', stripe: 'canceled' } },
    });
    const printed = formatReconcile(report, false);
    expect(printed).toContain(`${subA} (user ${a.id}`);
    expect(printed).toContain('status past_due → trialing');
    expect(await row(t, subA)).toBeNull(); // a report changes nothing

    const fixed = await reconcile(t.app, { fix: true });
    expect(fixed).toMatchObject({ fixed: 3, unresolved: [], exitCode: 0 });
    const stripe = stripeOf(t);
    for (const id of [subA, subB, subC]) {
      const remote = await stripe.subscriptions.retrieve(id);
      expect(await row(t, id)).toMatchObject({
        status: remote.status,
        priceId: remote.items.data[0].price.id,
        cancelAtPeriodEnd: remote.cancel_at_period_end,
        currentPeriodEnd: new Date(remote.items.data[0].current_period_end * 1000),
      });
    }
    // The ended subscription's monthly credits ended with it, through the mirror path.
    expect(await credits(t, c)).toMatchObject({ monthly_credits: 0 });
    expect(await ledgerReasons(t, c)).toEqual(['subscription_ended', 'subscription_grant']);

    expect(await reconcile(t.app, { fix: true })).toMatchObject({ drift: [], fixed: 0, exitCode: 0 });
    t.emulator.resumeDeliveries(); // the held-back customer.subscription.deleted arrives: nothing more to do
    await settle(t);
    expect(await ledgerReasons(t, c)).toEqual(['subscription_ended', 'subscription_grant']);
    expect(await reconcile(t.app)).toMatchObject({ drift: [], exitCode: 0 });
  });

  it('runs replay and reconcile through the running server for admins (the way on the embedded setup)', async () => {
    const admin = await registerUser(t, 'admin@tollgate.test');
    const user = await registerUser(t);
    const post = (path: string, body: object, who: TestUser = admin) =>
      t.http().post(path).set(who.auth).send(body);

    await post('/admin/stripe/replay', { since: '2h' }, user).expect(403);
    expect((await post('/admin/stripe/replay', { since: '2 weeks' }).expect(400)).body.code).toBe(
      'VALIDATION_FAILED',
    );
    expect((await post('/admin/stripe/replay', { since: '31d' }).expect(400)).body.message).toContain(
      'at most 30d',
    );

    t.emulator.pauseDeliveries();
    const session = await openCheckout(t, user, 'payment', pack.priceId);
    expect(await t.emulator.completeCheckout(session.id, { card: '4242424242424242' })).toEqual({ ok: true });
    expect(await credits(t, user)).toMatchObject({ total_credits: 0 });
    const first = (await post('/admin/stripe/replay', { since: '1h', undelivered_only: true }).expect(200))
      .body as Record<string, unknown>;
    expect(first).toMatchObject({ new: first.fetched, duplicates: 0, failed: 0, failed_ids: [] });
    expect(first.fetched).toBeGreaterThanOrEqual(3);
    expect(await credits(t, user)).toMatchObject({ purchased_credits: 100 });
    const again = (await post('/admin/stripe/replay', { since: '1h', undelivered_only: true }).expect(200))
      .body as Record<string, unknown>;
    expect(again).toMatchObject({ new: 0, duplicates: first.fetched });
    t.emulator.resumeDeliveries();
    await settle(t);
    expect(await ledgerReasons(t, user)).toEqual(['purchase']);

    const subscriber = await registerUser(t);
    const sub = await subscribe(t, subscriber, plan.priceId);
    await t.dataSource.query(`UPDATE subscriptions SET status = 'past_due' WHERE id = $1`, [sub]);
    const report = (await post('/admin/stripe/reconcile', {}).expect(200)).body as {
      drift: Array<{ subscription_id: string; fields: object }>;
      fixed: number;
    };
    expect(report.drift).toEqual([
      expect.objectContaining({
        subscription_id: sub,
        fields: { status: { tollgate: 'past_due', stripe: 'trialing' } },
      }),
    ]);
    expect(report).not.toHaveProperty('exitCode');
    expect(await row(t, sub)).toMatchObject({ status: 'past_due' });
    expect((await post('/admin/stripe/reconcile', { fix: true }).expect(200)).body).toMatchObject({
      fixed: 1,
      unresolved: [],
    });
    expect(await row(t, sub)).toMatchObject({ status: 'trialing' });
  });

  it('the CLIs on the embedded setup say exactly how to ask the running server instead', async () => {
    const saved = { ...process.env };
    delete process.env.DATABASE_URL;
    delete process.env.STRIPE_SECRET_KEY;
    delete process.env.STRIPE_API_URL;
    try {
      await expect(bootCliApp('replay')).rejects.toThrow(
        /live inside the server process[\s\S]*curl -X POST http:\/\/localhost:\$\{PORT:-8000\}\/admin\/stripe\/replay[\s\S]*"since":"2h"/,
      );
      await expect(bootCliApp('reconcile')).rejects.toThrow(/\/admin\/stripe\/reconcile/);
    } finally {
      Object.assign(process.env, saved);
    }
  });
});
