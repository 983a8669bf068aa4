import type Stripe from 'stripe';
import { MeterReporter } from '../../src/payments/meter-reporter.service';
import { STRIPE_CLIENT } from '../../src/stripe/stripe.constants';
import { refId } from '../../src/stripe/stripe-refs';
import { registerUser, TestUser } from '../factories/user.factory';
import { catalogPrice, credits, settle } from '../support/stripe-helpers';
import { createTestApp, TestApp } from '../support/test-app';

const HOUR = 3600;

/**
 * The whole overage loop through Tollgate, in each currency: the default catalog's Business Plan (500 credits a
 * month, then 2 cents per 100, in usd and eur) bought through Checkout; past the trial, consumes go past the
 * credits; the meter reports reach Stripe; the renewal's draft invoice (Stripe's hour) finalizes with an overage
 * line for exactly what Tollgate recorded, priced per credit in the subscription's currency.
 */
describe('overage on the renewal invoice, in usd and eur (e2e)', () => {
  let t: TestApp;
  let stripe: Stripe;

  beforeAll(async () => {
    // Each new customer gets its own test clock (the demo's time travel); the worker is driven by the test.
    t = await createTestApp({ env: { DEMO_TIME_TRAVEL: 'true', METER_REPORTS_ENABLED: 'false' } });
    stripe = t.app.get<Stripe>(STRIPE_CLIENT);
  });
  afterAll(async () => t.close());

  /** Advances the user's clock and waits until Tollgate has processed every delivery it caused. */
  const travel = async (clock: string, to: number) => {
    await stripe.testHelpers.testClocks.advance(clock, { frozen_time: to });
    await settle(t);
  };

  const subscribe = async (
    currency: string,
  ): Promise<{ user: TestUser; sub: Stripe.Subscription; clock: string }> => {
    const user = await registerUser(t);
    const business = await catalogPrice(t, 'subscription', 'Business Plan');
    const created = await t
      .http()
      .post('/payments/create-checkout-session')
      .set(user.auth)
      .send({ price_id: business.priceId, product_id: business.productId, currency })
      .expect(200);
    const sessionId = (created.body as { session_id: string }).session_id;
    expect(await t.emulator.completeCheckout(sessionId, { card: '4242424242424242' })).toEqual({ ok: true });
    await settle(t);
    const session = await stripe.checkout.sessions.retrieve(sessionId);
    const sub = await stripe.subscriptions.retrieve(refId(session.subscription)!);
    const customer = await stripe.customers.retrieve(refId(sub.customer)!);
    return { user, sub, clock: refId((customer as Stripe.Customer).test_clock)! };
  };

  it.each([
    ['usd', 250, 5],
    ['eur', 350, 7],
  ])(
    '%s: %d credits past the 500 of the period bill %d on the renewal invoice',
    async (currency, over, amount) => {
      const { user, sub, clock } = await subscribe(currency);
      expect(sub.items.data.map((i) => i.price.recurring?.usage_type)).toEqual(['licensed', 'metered']);

      // The trial: no overage (Stripe bills a trial's usage at zero). The first paid period starts at its end;
      // its invoice carries the metered line, so it is a draft for Stripe's hour first.
      await t.http().post('/credits/consume').set(user.auth).send({ amount: 500 }).expect(200);
      await t.http().post('/credits/consume').set(user.auth).send({ amount: 1 }).expect(402);
      await travel(clock, sub.trial_end! + 2 * HOUR);
      const paid = (await t.http().get('/credits').set(user.auth).expect(200)).body as {
        total_credits: number;
        overage: { enabled: boolean; cap: number; currency: string };
      };
      expect(paid).toMatchObject({ total_credits: 500, overage: { enabled: true, cap: 5000, currency } });

      await t.http().post('/credits/consume').set(user.auth).send({ amount: 400 }).expect(200);
      await t
        .http()
        .post('/credits/consume')
        .set(user.auth)
        .send({ amount: 100 + over - 50 })
        .expect(200);
      await t.http().post('/credits/consume').set(user.auth).send({ amount: 50 }).expect(200);
      expect((await credits(t, user)).total_credits).toBe(0);
      const during = (await t.http().get('/credits').set(user.auth).expect(200)).body as {
        overage: { used: number; amount_due: number };
      };
      expect(during.overage).toMatchObject({ used: over, amount_due: amount });
      await t.app.get(MeterReporter).runOnce(); // part reported during the period; the rest at its close

      // The period ends: the renewal invoice is a draft (Tollgate flushes on its invoice.created), then final.
      const live = await stripe.subscriptions.retrieve(sub.id);
      const periodEnd = live.items.data[0].current_period_end;
      await travel(clock, periodEnd + 60);
      await travel(clock, periodEnd + 2 * HOUR);
      const invoices = await stripe.invoices.list({ subscription: sub.id, limit: 10 });
      const renewal = invoices.data.find(
        (i) => i.billing_reason === 'subscription_cycle' && i.period_end === periodEnd,
      )!;
      expect(renewal.status).toBe('paid');
      expect(renewal.currency).toBe(currency);
      const meteredLine = renewal.lines.data.find(
        (l) =>
          l.pricing?.price_details?.price ===
          live.items.data.find((i) => i.price.recurring?.usage_type === 'metered')!.price.id,
      );
      expect(meteredLine).toMatchObject({ quantity: over, amount });
    },
  );
});
