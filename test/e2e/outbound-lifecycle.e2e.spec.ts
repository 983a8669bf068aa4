import { OutboundDeliveryService } from '../../src/outbound/outbound-delivery.service';
import { registerUser, TestUser } from '../factories/user.factory';
import { catalogPrice, openCheckout, settle, stripeOf, waitForCredits } from '../support/stripe-helpers';
import { createTestApp, TestApp, waitFor } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';

const ENV = { OUTBOUND_WORKER_INTERVAL_MS: '50', OUTBOUND_RETRY_SCHEDULE_MS: '50,50,50' };

describe('outbound events: consumption, subscriptions and several instances (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  const receivers: WebhookReceiver[] = [];

  const addEndpoint = async (app: TestApp, events: string[]) => {
    const r = await new WebhookReceiver().start();
    receivers.push(r);
    const res = await app
      .http()
      .post('/admin/webhook-endpoints')
      .set(admin.auth)
      .send({ url: r.url, events })
      .expect(201);
    const ep = res.body as { id: string; secret: string };
    r.secrets = [ep.secret];
    return { r, ep };
  };
  const outboxDrained = () =>
    waitFor(async () => {
      const [row]: Array<{ n: number }> = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM outbound_deliveries WHERE status IN ('pending', 'sending')`,
      );
      return row.n === 0;
    }, 'outbox drained');
  const give = (user: TestUser, amount: number) =>
    t
      .http()
      .post(`/admin/users/${user.id}/credits`)
      .set(admin.auth)
      .send({ amount, bucket: 'purchased', reason: 'test grant' })
      .expect(201);
  const consume = (user: TestUser, amount: number) =>
    t.http().post('/credits/consume').set(user.auth).send({ amount, reason: 'test' }).expect(200);

  beforeAll(async () => {
    t = await createTestApp({ env: { ...ENV, OUTBOUND_CREDITS_LOW_THRESHOLD: '5' } });
    admin = await registerUser(t, 'admin@tollgate.test');
  });
  afterAll(async () => {
    await t.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await t.close();
    for (const r of receivers) await r.stop();
  });

  it('consumes report credits.consumed each time, credits.low once when crossing the threshold, credits.depleted at zero', async () => {
    const { r } = await addEndpoint(t, ['credits.consumed', 'credits.low', 'credits.depleted']);
    const user = await registerUser(t);
    await give(user, 12);
    await consume(user, 4); // 12 → 8
    await consume(user, 4); // 8 → 4: low (threshold 5)
    await consume(user, 3); // 4 → 1
    await consume(user, 1); // 1 → 0: depleted
    await outboxDrained();
    const mine = r.received.filter((d) => d.payload.user_id === user.id);
    const bySequence = [...mine].sort((a, b) => a.payload.sequence! - b.payload.sequence!);
    expect(bySequence.map((d) => d.payload.type)).toEqual([
      'credits.consumed',
      'credits.consumed',
      'credits.low',
      'credits.consumed',
      'credits.consumed',
      'credits.depleted',
    ]);
    expect(bySequence.map((d) => d.payload.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(bySequence[2].payload.data).toMatchObject({
      total_credits_before: 8,
      total_credits: 4,
      threshold: 5,
    });
    expect(bySequence[1].payload.data).toMatchObject({ amount: 4, reason: 'test', total_credits: 4 });
    for (const d of mine) expect(d.verifiedWith).toEqual(r.secrets);
  });

  it('credits.consumed is not even recorded unless an endpoint subscribes to it', async () => {
    const user = await registerUser(t);
    await give(user, 50);
    await consume(user, 1);
    const before: Array<{ n: number }> = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM outbound_events WHERE user_id = $1 AND type = 'credits.consumed'`,
      [user.id],
    );
    expect(before[0].n).toBe(1); // the endpoint of the test above subscribes
    // An app of its own, where no endpoint exists at all.
    const fresh = await createTestApp({ env: ENV });
    try {
      const u2 = await registerUser(fresh);
      const boss = await registerUser(fresh, 'admin@tollgate.test');
      await fresh
        .http()
        .post(`/admin/users/${u2.id}/credits`)
        .set(boss.auth)
        .send({ amount: 50, bucket: 'purchased', reason: 'test grant' })
        .expect(201);
      await fresh.http().post('/credits/consume').set(u2.auth).send({ amount: 1 }).expect(200);
      const rows: Array<{ n: number }> = await fresh.dataSource.query(
        `SELECT count(*)::int AS n FROM outbound_events`,
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await fresh.close();
    }
  });

  it('a subscription checkout reports subscription.created once, with its plan and periods, and payment.succeeded', async () => {
    const { r } = await addEndpoint(t, [
      'subscription.created',
      'subscription.updated',
      'subscription.canceled',
      'payment.succeeded',
    ]);
    const user = await registerUser(t);
    const plan = await catalogPrice(t, 'subscription', 'Pro Plan');
    const session = await openCheckout(t, user, 'subscription', plan.priceId);
    expect(await t.emulator.completeCheckout(session.id, { card: '4242424242424242' })).toEqual({ ok: true });
    await settle(t);
    const mineOf = (type: string) =>
      r.received.filter((d) => d.payload.user_id === user.id && d.payload.type === type);
    await waitFor(
      () => mineOf('subscription.created').length > 0 && mineOf('payment.succeeded').length > 0,
      'both events',
    );
    await outboxDrained();
    const created = r.received.filter(
      (d) => d.payload.user_id === user.id && d.payload.type === 'subscription.created',
    );
    expect(created).toHaveLength(1);
    expect(created[0].payload.data).toMatchObject({
      status: 'trialing',
      price_id: plan.priceId,
      cancel_at_period_end: false,
      subscription_id: expect.stringMatching(/^sub_/),
      current_period_end: expect.any(String),
    });
    const paid = r.received.filter(
      (d) => d.payload.user_id === user.id && d.payload.type === 'payment.succeeded',
    );
    expect(paid.map((d) => d.payload.data)).toEqual([
      expect.objectContaining({ billing_reason: 'subscription_create', currency: 'usd', amount_paid: 0 }),
    ]);
  });

  it('a refund reports refund.processed and credits.clawed_back, with the shortfall of spent credits', async () => {
    const { r } = await addEndpoint(t, ['refund.processed', 'credits.clawed_back']);
    const user = await registerUser(t);
    const pack = await catalogPrice(t, 'one_time', '100 Credits');
    const session = await openCheckout(t, user, 'payment', pack.priceId);
    await t.emulator.completeCheckout(session.id, { card: '4242424242424242' });
    await waitForCredits(t, user, 100);
    await consume(user, 90);
    const paymentIntent = (await stripeOf(t).checkout.sessions.retrieve(session.id)).payment_intent as string;
    await stripeOf(t).refunds.create({ payment_intent: paymentIntent });
    await settle(t);
    await waitForCredits(t, user, 0);
    await outboxDrained();
    const mine = r.received.filter((d) => d.payload.user_id === user.id);
    expect(mine.map((d) => d.payload.type).sort()).toEqual(['credits.clawed_back', 'refund.processed']);
    const refund = mine.find((d) => d.payload.type === 'refund.processed')!;
    expect(refund.payload.data).toMatchObject({
      payment_intent_id: paymentIntent,
      checkout_session_id: session.id,
      amount_refunded: 1999,
      currency: 'usd',
      fully_refunded: true,
      credits_clawed_back: 10,
      credits_shortfall: 90,
    });
    const clawed = mine.find((d) => d.payload.type === 'credits.clawed_back')!;
    expect(clawed.payload.data).toMatchObject({
      amount: 10,
      requested: 100,
      shortfall: 90,
      total_credits: 0,
    });
  });

  it('several delivery workers (two instances on PostgreSQL) deliver each event exactly once', async () => {
    const { r, ep } = await addEndpoint(t, ['credits.low']);
    const url = (t.dataSource.options as { url?: string }).url;
    const second =
      process.env.DATABASE_URL && url ? await createTestApp({ env: ENV, databaseUrl: url }) : null;
    try {
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) {
        const res = await t.http().post(`/admin/webhook-endpoints/${ep.id}/test`).set(admin.auth).expect(202);
        ids.push((res.body as { event_id: string }).event_id);
      }
      // Beside each instance's own timer, extra claim loops race for the same rows.
      const services = [t, ...(second ? [second] : [])].map((a) => a.app.get(OutboundDeliveryService));
      await Promise.all(services.flatMap((s) => [s.processDue(5), s.processDue(5), s.processDue(5)]));
      await waitFor(() => ids.every((id) => r.withId(id).length > 0), 'every event delivered');
      await outboxDrained();
      expect(ids.map((id) => r.withId(id).length)).toEqual(ids.map(() => 1));
      expect(r.received).toHaveLength(30);
    } finally {
      await second?.close();
    }
  });
});
