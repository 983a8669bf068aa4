import type Stripe from 'stripe';
import { LoggingNotifier } from '../../src/payments/notifier';
import { WebhookProcessor } from '../../src/webhooks/webhook-processor.service';
import { registerUser } from '../factories/user.factory';
import {
  catalogPrice,
  credits,
  createPackCheckout,
  deliver,
  eventsAbout,
  eventStatus,
  ledgerEntries,
  openCheckout,
  settle,
  stripeOf,
  waitForCredits,
  settleAndVerify,
} from '../support/stripe-helpers';
import { createTestApp, TestApp, waitFor } from '../support/test-app';
import { NO_OVERAGE } from '../support/credit-shapes';

/** Holds the emulator's own deliveries while `work` runs, so the test decides what arrives when. */
async function withDeliveriesPaused<T>(t: TestApp, work: () => Promise<T>): Promise<T> {
  t.emulator.pauseDeliveries();
  try {
    return await work();
  } finally {
    t.emulator.resumeDeliveries();
  }
}

describe('webhooks (e2e)', () => {
  let t: TestApp;
  let pack: { productId: string; priceId: string };
  let plan: { productId: string; priceId: string };

  beforeAll(async () => {
    t = await createTestApp();
    pack = await catalogPrice(t, 'one_time');
    plan = await catalogPrice(t, 'subscription', 'Pro Plan');
  });
  afterEach(() => settleAndVerify(t));
  afterAll(async () => t.close());

  it('grants a paid credit pack once, from the emulator-signed checkout.session.completed', async () => {
    const user = await registerUser(t);
    const session = await openCheckout(t, user, 'payment', pack.priceId);
    expect((await t.emulator.completeCheckout(session.id, { card: '4242424242424242' })).ok).toBe(true);
    await waitForCredits(t, user, 100);
    await settle(t);
    expect(await credits(t, user)).toEqual({
      monthly_credits: 0,
      purchased_credits: 100,
      promotional_credits: 0,
      total_credits: 100,
      held_credits: 0,
      expiring: [],
      overage: NO_OVERAGE,
    });
    const entries = await ledgerEntries(t, user);
    expect(entries.map((e) => e.reason)).toEqual(['purchase']);
  });

  it('acknowledges a duplicate delivery, including concurrent ones, and applies it once', async () => {
    const user = await registerUser(t);
    const completed = await withDeliveriesPaused(t, async () => {
      const session = await openCheckout(t, user, 'payment', pack.priceId);
      await t.emulator.completeCheckout(session.id, { card: '4242424242424242' });
      const [event] = await eventsAbout(t, ['checkout.session.completed'], session.customer as string);
      const answers = await Promise.all(Array.from({ length: 8 }, () => deliver(t, event)));
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
      expect(answers.filter((a) => (a.body as { duplicate: boolean }).duplicate === false)).toHaveLength(1);
      return event;
    }); // Stripe's own delivery arrives too now: a ninth duplicate
    await settle(t);
    await waitForCredits(t, user, 100);
    expect((await eventStatus(t, completed.id))?.status).toBe('processed');
    expect((await ledgerEntries(t, user)).filter((e) => e.reason === 'purchase')).toHaveLength(1);
  });

  it('rejects missing, forged, wrong-secret and stale signatures with 400 and stores nothing', async () => {
    const event = {
      id: 'evt_forged_1',
      object: 'event',
      type: 'checkout.session.completed',
      created: 1,
      data: { object: {} },
    };
    const payload = JSON.stringify(event);
    const missing = await t
      .http()
      .post('/payments/webhook')
      .set('Content-Type', 'application/json')
      .send(payload);
    const forged = await t
      .http()
      .post('/payments/webhook')
      .set('Stripe-Signature', 't=1,v1=deadbeef')
      .set('Content-Type', 'application/json')
      .send(payload);
    const wrong = await deliver(t, event, { secret: 'whsec_not_ours' });
    const stale = await deliver(t, event, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    for (const res of [missing, forged, wrong, stale]) {
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    }
    expect(await eventStatus(t, 'evt_forged_1')).toBeUndefined();
  });

  it('grants a new subscription its monthly credits once, whichever of checkout.session.completed and invoice.paid comes first', async () => {
    for (const order of ['invoice-first', 'checkout-first'] as const) {
      const user = await registerUser(t);
      await withDeliveriesPaused(t, async () => {
        const session = await openCheckout(t, user, 'subscription', plan.priceId);
        await t.emulator.completeCheckout(session.id, { card: '4242424242424242' });
        const events = await eventsAbout(
          t,
          ['checkout.session.completed', 'invoice.paid'],
          session.customer as string,
        );
        expect(events.map((e) => e.type).sort()).toEqual(['checkout.session.completed', 'invoice.paid']);
        if (order === 'invoice-first') events.sort((a) => (a.type === 'invoice.paid' ? -1 : 1));
        else events.sort((a) => (a.type === 'checkout.session.completed' ? -1 : 1));
        for (const e of events) {
          expect((await deliver(t, e)).status).toBe(200);
          await waitFor(
            async () => (await eventStatus(t, e.id))?.status === 'processed',
            `${e.type} processed`,
          );
        }
      });
      await settle(t);
      expect(await credits(t, user)).toEqual({
        monthly_credits: 100,
        purchased_credits: 0,
        promotional_credits: 0,
        total_credits: 100,
        held_credits: 0,
        expiring: [expect.objectContaining({ amount: expect.any(Number) })],
        overage: NO_OVERAGE,
      });
      const grants = (await ledgerEntries(t, user)).filter((e) => e.reason === 'subscription_grant');
      expect(grants).toHaveLength(1);
    }
  });

  it('never moves a subscription backwards when an old event arrives after a newer one', async () => {
    const user = await registerUser(t);
    const session = await openCheckout(t, user, 'subscription', plan.priceId);
    await t.emulator.completeCheckout(session.id, { card: '4242424242424242' });
    await settle(t);
    const subId = (await stripeOf(t).checkout.sessions.retrieve(session.id)).subscription as string;
    await stripeOf(t).subscriptions.update(subId, { cancel_at_period_end: true });
    await settle(t);
    // Replay the older 'created' event (trialing, not cancelling) under a fresh event id: a late delivery.
    const [created] = await eventsAbout(t, ['customer.subscription.created'], session.customer as string);
    const late = { ...created, id: `${created.id}_late` };
    await deliver(t, late);
    await waitFor(
      async () => (await eventStatus(t, late.id))?.status === 'processed',
      'late event processed',
    );
    const [row] = await t.dataSource.query(
      'SELECT status, cancel_at_period_end FROM subscriptions WHERE id = $1',
      [subId],
    );
    expect(row).toEqual({ status: 'trialing', cancel_at_period_end: true });
  });

  it('stores a new live subscription even when the end of the previous one was never delivered', async () => {
    const user = await registerUser(t);
    const first = await openCheckout(t, user, 'subscription', plan.priceId);
    await t.emulator.completeCheckout(first.id, { card: '4242424242424242' });
    await settle(t);
    const firstSub = (await stripeOf(t).checkout.sessions.retrieve(first.id)).subscription as string;
    const secondSub = await withDeliveriesPaused(t, async () => {
      await stripeOf(t).subscriptions.cancel(firstSub); // its customer.subscription.deleted is held back
      const second = await stripeOf(t).checkout.sessions.create({
        mode: 'subscription',
        customer: first.customer as string,
        client_reference_id: user.id,
        line_items: [{ price: plan.priceId, quantity: 1 }],
        success_url: 'http://localhost:3000/ok?session_id={CHECKOUT_SESSION_ID}',
      });
      await t.emulator.completeCheckout(second.id, { card: '4242424242424242' });
      const [completed] = (
        await eventsAbout(t, ['checkout.session.completed'], first.customer as string)
      ).filter((e) => (e.data.object as { id: string }).id === second.id);
      expect((await deliver(t, completed)).status).toBe(200);
      await waitFor(
        async () => (await eventStatus(t, completed.id))?.status === 'processed',
        'second checkout',
      );
      return (await stripeOf(t).checkout.sessions.retrieve(second.id)).subscription as string;
    });
    await settle(t);
    const rows: Array<{ id: string; status: string }> = await t.dataSource.query(
      'SELECT id, status FROM subscriptions WHERE user_id = $1 ORDER BY created_at',
      [user.id],
    );
    expect(rows).toEqual([
      { id: firstSub, status: 'canceled' },
      { id: secondSub, status: 'active' },
    ]);
  });

  it('never re-applies a period whose subscription row was recreated (the ledger remembers)', async () => {
    const user = await registerUser(t);
    const session = await openCheckout(t, user, 'subscription', plan.priceId);
    await t.emulator.completeCheckout(session.id, { card: '4242424242424242' });
    await settle(t);
    await waitForCredits(t, user, 100);
    await t.http().post('/credits/consume').set(user.auth).send({ amount: 40 }).expect(200);
    await t.dataSource.query('DELETE FROM subscriptions WHERE user_id = $1', [user.id]); // e.g. restored by reconcile
    const [paid] = await eventsAbout(t, ['invoice.paid'], session.customer as string);
    const replay = { ...paid, id: `${paid.id}_replayed` };
    await deliver(t, replay);
    await waitFor(
      async () => (await eventStatus(t, replay.id))?.status === 'processed',
      'replayed invoice.paid',
    );
    expect(await credits(t, user)).toEqual({
      monthly_credits: 60,
      purchased_credits: 0,
      promotional_credits: 0,
      total_credits: 60,
      held_credits: 0,
      expiring: [expect.objectContaining({ amount: expect.any(Number) })],
      overage: NO_OVERAGE,
    });
  });

  it('leaves an event pending, never half-applied, when processing crashes before the mark; the retry applies it once', async () => {
    const user = await registerUser(t);
    const processor = t.app.get(WebhookProcessor);
    type Finish = (m: unknown, claimed: { type: string }, status: string) => Promise<void>;
    const target = processor as unknown as { finish: Finish };
    const original = target.finish.bind(processor);
    let crashed = false;
    const finish = jest.spyOn(target, 'finish').mockImplementation(async (m, claimed, status) => {
      if (!crashed && claimed.type === 'checkout.session.completed') {
        crashed = true; // the grant ran in this transaction; the crash must roll it back
        throw new Error('simulated crash between effect and mark');
      }
      return original(m, claimed, status);
    });
    const session = await openCheckout(t, user, 'payment', pack.priceId);
    await t.emulator.completeCheckout(session.id, { card: '4242424242424242' });
    await settle(t);
    await waitForCredits(t, user, 100);
    finish.mockRestore();
    const [row] = await t.dataSource.query(
      `SELECT status, attempts, last_error FROM webhook_events WHERE type = 'checkout.session.completed' AND payload->'data'->'object'->>'id' = $1`,
      [session.id],
    );
    expect(row).toMatchObject({ status: 'processed', attempts: 2 });
    expect((await ledgerEntries(t, user)).filter((e) => e.reason === 'purchase')).toHaveLength(1);
  });

  it('answers 5xx while the database is down, then processes the retried delivery exactly once', async () => {
    const user = await registerUser(t);
    await withDeliveriesPaused(t, async () => {
      const session = await openCheckout(t, user, 'payment', pack.priceId);
      await t.emulator.completeCheckout(session.id, { card: '4242424242424242' });
      const [completed] = await eventsAbout(t, ['checkout.session.completed'], session.customer as string);
      await t.dataSource.destroy();
      try {
        const down = await deliver(t, completed);
        expect(down.status).toBeGreaterThanOrEqual(500);
      } finally {
        await t.dataSource.initialize();
      }
      expect(await eventStatus(t, completed.id)).toBeUndefined();
      expect((await deliver(t, completed)).status).toBe(200);
    });
    await settle(t);
    await waitForCredits(t, user, 100);
    expect((await ledgerEntries(t, user)).filter((e) => e.reason === 'purchase')).toHaveLength(1);
  });

  it('records a failed delayed payment, tells the customer, and grants nothing', async () => {
    const user = await registerUser(t);
    const sessionId = await createPackCheckout(t, user, pack);
    const event = {
      id: `evt_async_failed_${sessionId.slice(-8)}`,
      object: 'event',
      type: 'checkout.session.async_payment_failed',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: {
        object: { id: sessionId, object: 'checkout.session', mode: 'payment', payment_status: 'unpaid' },
      },
    };
    expect((await deliver(t, event)).status).toBe(200);
    await waitFor(
      async () => (await eventStatus(t, event.id))?.status === 'processed',
      'async failure processed',
    );
    const [row] = await t.dataSource.query(
      'SELECT status, fulfilled_at FROM checkout_sessions WHERE id = $1',
      [sessionId],
    );
    expect(row).toEqual({ status: 'payment_failed', fulfilled_at: null });
    const sent = t.app.get(LoggingNotifier).sent.filter((n) => n.reference === sessionId);
    expect(sent).toEqual([{ kind: 'async_payment_failed', userId: user.id, reference: sessionId }]);
    expect(await credits(t, user)).toEqual({
      monthly_credits: 0,
      purchased_credits: 0,
      promotional_credits: 0,
      total_credits: 0,
      held_credits: 0,
      expiring: [],
      overage: NO_OVERAGE,
    });
  });

  it('stores and acknowledges unknown event types without doing anything', async () => {
    const event = {
      id: 'evt_unknown_type_1',
      object: 'event',
      type: 'issuing_card.created',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'ic_1' } },
    };
    expect((await deliver(t, event)).status).toBe(200);
    await waitFor(async () => (await eventStatus(t, event.id))?.status === 'ignored', 'ignored');
  });

  it('claws back refunded credits in proportion, once per refund, recording spent ones as shortfall', async () => {
    const user = await registerUser(t);
    const session = await openCheckout(t, user, 'payment', pack.priceId);
    await t.emulator.completeCheckout(session.id, { card: '4242424242424242' });
    await waitForCredits(t, user, 100);
    await t.http().post('/credits/consume').set(user.auth).send({ amount: 70 }).expect(200);
    const paymentIntent = (await stripeOf(t).checkout.sessions.retrieve(session.id)).payment_intent as string;
    const amount = (await stripeOf(t).paymentIntents.retrieve(paymentIntent)).amount;
    // A quarter refunded: 25 credits back of 30 left.
    await stripeOf(t).refunds.create({ payment_intent: paymentIntent, amount: Math.round(amount / 4) });
    await settle(t);
    await waitForCredits(t, user, 5);
    // The rest refunded: 75 more requested, only 5 left → 70 shortfall, balance never negative.
    await stripeOf(t).refunds.create({ payment_intent: paymentIntent });
    await settle(t);
    await waitForCredits(t, user, 0);
    const clawbacks = (await ledgerEntries(t, user)).filter((e) => e.reason === 'refund_clawback');
    expect(clawbacks.map((e) => [e.amount, e.metadata.requested, e.metadata.shortfall])).toEqual([
      [-5, 75, 70],
      [-25, 25, 0],
    ]);
  });

  it('applies a dispute delivered before its checkout was fulfilled: fulfils first, then freezes', async () => {
    const user = await registerUser(t);
    await withDeliveriesPaused(t, async () => {
      const session = await openCheckout(t, user, 'payment', pack.priceId);
      await t.emulator.completeCheckout(session.id, { card: '4000000000000259' });
      const paymentIntent = (await stripeOf(t).checkout.sessions.retrieve(session.id))
        .payment_intent as string;
      const disputeCreated = (
        await stripeOf(t).events.list({ type: 'charge.dispute.created', limit: 20 })
      ).data.find((e) => (e.data.object as Stripe.Dispute).payment_intent === paymentIntent)!;
      expect((await deliver(t, disputeCreated)).status).toBe(200);
      await waitFor(
        async () => (await eventStatus(t, disputeCreated.id))?.status === 'processed',
        'dispute first',
      );
    });
    await settle(t);
    expect(await credits(t, user)).toEqual({
      monthly_credits: 0,
      purchased_credits: 0,
      promotional_credits: 0,
      total_credits: 0,
      held_credits: 0,
      expiring: [],
      overage: NO_OVERAGE,
    });
    expect((await ledgerEntries(t, user)).map((e) => e.reason)).toEqual(['dispute_clawback', 'purchase']);
  });

  it('freezes disputed credits and restores them when the dispute is won', async () => {
    const user = await registerUser(t);
    const session = await openCheckout(t, user, 'payment', pack.priceId);
    await t.emulator.completeCheckout(session.id, { card: '4000000000000259' });
    await settle(t);
    await waitForCredits(t, user, 0);
    const reasons = (await ledgerEntries(t, user)).map((e) => e.reason);
    expect(reasons).toEqual(['dispute_clawback', 'purchase']);
    const disputes = await stripeOf(t).disputes.list({ limit: 10 });
    const paymentIntent = (await stripeOf(t).checkout.sessions.retrieve(session.id)).payment_intent as string;
    const dispute = disputes.data.find((d) => d.payment_intent === paymentIntent)!;
    // Stripe's test-mode convention: this evidence wins the dispute (→ charge.dispute.closed, status won).
    await stripeOf(t).disputes.update(dispute.id, { evidence: { uncategorized_text: 'winning_evidence' } });
    await settle(t);
    await waitForCredits(t, user, 100);
    expect((await ledgerEntries(t, user)).map((e) => [e.reason, e.amount])).toEqual([
      ['dispute_reversal', 100],
      ['dispute_clawback', -100],
      ['purchase', 100],
    ]);
  });
});
