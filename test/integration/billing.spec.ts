import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { CreditsService } from '../../src/credits/credits.service';
import { ConsumeService } from '../../src/credits/consume.service';
import { CheckoutFulfilmentService } from '../../src/payments/checkout-fulfilment.service';
import { CheckoutSessionRecord } from '../../src/payments/checkout-session.entity';
import { RefundsDisputesService } from '../../src/payments/refunds-disputes.service';
import { SubscriptionPeriodsService } from '../../src/payments/subscription-periods.service';
import { SubscriptionSyncService } from '../../src/payments/subscription-sync.service';
import { Subscription } from '../../src/payments/subscription.entity';
import type { CreditPackage } from '../../src/plans/credit-package.entity';
import type { Plan } from '../../src/plans/plan.entity';
import { STRIPE_CLIENT } from '../../src/stripe/stripe.constants';
import { UsersService } from '../../src/users/users.service';
import { createPackage, createPlan } from '../factories/catalog.factory';
import { stripeCheckoutSession } from '../factories/checkout-session.factory';
import { stripeInvoice, stripeSubscription } from '../factories/subscription.factory';
import { createUser } from '../factories/user.factory';
import { createServiceContext, type ServiceContext } from '../support/test-app';

const DAY = 86_400;

/**
 * The billing services against the real database, fed Stripe objects from the factories: what each `apply`
 * writes, that repeats change nothing, and that Stripe is read in `prepare` and never inside a transaction.
 */
describe('billing services (service tier)', () => {
  let ctx: ServiceContext;
  let plan: Plan;
  let pack: CreditPackage;
  let credits: CreditsService;
  let sync: SubscriptionSyncService;

  beforeAll(async () => {
    ctx = await createServiceContext();
    plan = await createPlan(ctx.dataSource, { monthlyUses: 100 });
    pack = await createPackage(ctx.dataSource, { usesAmount: 100 });
    credits = ctx.get(CreditsService);
    sync = ctx.get(SubscriptionSyncService);
  });
  afterEach(async () => expect(await credits.verify()).toEqual([]));
  afterAll(async () => ctx.close());

  const inTx = <T>(work: (m: EntityManager) => Promise<T>): Promise<T> => ctx.dataSource.transaction(work);
  const newUser = (customerId?: string | null) =>
    createUser(ctx.get(UsersService), ctx.dataSource, { customerId });
  const total = async (userId: string) => (await credits.breakdown(userId)).total_credits;
  const row = (id: string) => ctx.dataSource.getRepository(Subscription).findOneBy({ id });
  const read = (subscription: Stripe.Subscription, version = Date.now()) => ({
    subscription,
    version,
    others: [],
  });

  /** A paid package checkout, fulfilled: 100 purchased credits behind payment intent `pi`. */
  async function buyPack(userId: string, customer: string, pi: string) {
    const session = stripeCheckoutSession({
      mode: 'payment',
      userId,
      customer,
      priceId: pack.priceId,
      paymentIntent: pi,
    });
    await inTx((m) => ctx.get(CheckoutFulfilmentService).applyCheckout(m, { session, subscription: null }));
    return session;
  }

  describe('checkout fulfilment', () => {
    it('grants a package once however often the session is applied, and records the buyer’s customer', async () => {
      const user = await newUser(null);
      const session = await buyPack(user.id, 'cus_first_buy', 'pi_pack_once');
      await inTx((m) => ctx.get(CheckoutFulfilmentService).applyCheckout(m, { session, subscription: null }));
      expect(await total(user.id)).toBe(100);
      expect((await ctx.get(UsersService).getById(user.id)).customerId).toBe('cus_first_buy');
      const record = await ctx.dataSource
        .getRepository(CheckoutSessionRecord)
        .findOneByOrFail({ id: session.id });
      expect(record).toMatchObject({ userId: user.id, status: 'complete' });
      expect(record.fulfilledAt).toBeInstanceOf(Date);
    });

    it('grants nothing for an unpaid session', async () => {
      const user = await newUser();
      const session = stripeCheckoutSession({
        mode: 'payment',
        userId: user.id,
        customer: user.customerId,
        priceId: pack.priceId,
        paymentStatus: 'unpaid',
      });
      expect(
        await inTx((m) =>
          ctx.get(CheckoutFulfilmentService).applyCheckout(m, { session, subscription: null }),
        ),
      ).toBe(false);
      expect(await total(user.id)).toBe(0);
    });

    it('mirrors a subscription checkout and starts its first period with the plan’s allowance', async () => {
      const user = await newUser();
      const subscription = stripeSubscription({
        customer: user.customerId,
        userId: user.id,
        priceId: plan.priceId,
        trialEnd: Math.floor(Date.now() / 1000) + 14 * DAY,
      });
      const session = stripeCheckoutSession({
        mode: 'subscription',
        userId: user.id,
        customer: user.customerId,
        priceId: plan.priceId,
        subscription: subscription.id,
      });
      await inTx((m) =>
        ctx.get(CheckoutFulfilmentService).applyCheckout(m, { session, subscription: read(subscription) }),
      );
      expect(await row(subscription.id)).toMatchObject({
        userId: user.id,
        status: 'active',
        planId: plan.id,
      });
      expect(await credits.breakdown(user.id)).toMatchObject({ monthly_credits: 100 });
      expect((await ctx.get(UsersService).getById(user.id)).trialUsedAt).toBeInstanceOf(Date);
    });
  });

  describe('refunds and disputes', () => {
    const charge = (pi: string, amountRefunded: number) =>
      ({
        id: `ch_${pi}`,
        payment_intent: pi,
        amount: 1000,
        amount_refunded: amountRefunded,
      }) as Stripe.Charge;
    const dispute = (pi: string, status: Stripe.Dispute.Status) =>
      ({ id: `dp_${pi}`, payment_intent: pi, charge: `ch_${pi}`, status }) as Stripe.Dispute;

    it('claws back in proportion to the cumulative refunded amount, once per refund', async () => {
      const user = await newUser();
      await buyPack(user.id, user.customerId, 'pi_refund');
      const refunds = ctx.get(RefundsDisputesService);
      const refund = (amount: number) =>
        inTx((m) => refunds.applyRefund(m, { object: charge('pi_refund', amount), source: null }));
      await refund(250);
      expect(await total(user.id)).toBe(75);
      await refund(500);
      await refund(500);
      await refund(250); // late, smaller: already counted
      expect(await total(user.id)).toBe(50);
    });

    it('freezes what refunds left while a dispute is open, and restores it when the dispute is won', async () => {
      const user = await newUser();
      await buyPack(user.id, user.customerId, 'pi_dispute');
      const refunds = ctx.get(RefundsDisputesService);
      await inTx((m) => refunds.applyRefund(m, { object: charge('pi_dispute', 300), source: null }));
      await inTx((m) =>
        refunds.applyDispute(m, { object: dispute('pi_dispute', 'needs_response'), source: null }),
      );
      expect(await total(user.id)).toBe(0);
      await inTx((m) => refunds.applyDispute(m, { object: dispute('pi_dispute', 'won'), source: null }));
      await inTx((m) => refunds.applyDispute(m, { object: dispute('pi_dispute', 'won'), source: null }));
      expect(await total(user.id)).toBe(70);
    });
  });

  describe('subscription sync and paid periods', () => {
    it('never moves a row back to an older Stripe read', async () => {
      const user = await newUser();
      const sub = stripeSubscription({ customer: user.customerId, userId: user.id, priceId: plan.priceId });
      await inTx((m) => sync.apply(m, read({ ...sub, cancel_at_period_end: true }, 2_000)));
      await inTx((m) => sync.apply(m, read(sub, 1_000)));
      expect(await row(sub.id)).toMatchObject({ cancelAtPeriodEnd: true, stripeVersion: 2_000 });
    });

    it('grants each paid period once and forwards only; an ended subscription ends its monthly credits', async () => {
      const user = await newUser();
      const start = Math.floor(Date.now() / 1000);
      const sub = stripeSubscription({
        customer: user.customerId,
        userId: user.id,
        priceId: plan.priceId,
        periodStart: start,
      });
      const periods = ctx.get(SubscriptionPeriodsService);
      const paid = (reason: 'subscription_create' | 'subscription_cycle', periodStart: number) =>
        inTx((m) => periods.applyInvoicePaid(m, stripeInvoice(sub, reason, periodStart), read(sub)));
      await paid('subscription_create', start);
      await ctx.get(ConsumeService).consume(user.id, 30, 'test');
      await paid('subscription_cycle', start + 30 * DAY);
      await paid('subscription_create', start); // late duplicate
      expect(await credits.breakdown(user.id)).toMatchObject({ monthly_credits: 100 });
      expect((await credits.ledger(user.id, 10)).entries.map((e) => e.reason)).toEqual([
        'period_reset',
        'period_expiry',
        'consume',
        'subscription_grant',
      ]);
      await inTx((m) => sync.apply(m, read({ ...sub, status: 'canceled' })));
      expect(await credits.breakdown(user.id)).toMatchObject({ monthly_credits: 0 });
    });

    it('reads the other live subscriptions from Stripe in prepare, and apply calls Stripe not at all', async () => {
      const user = await newUser();
      const old = stripeSubscription({ customer: user.customerId, userId: user.id, priceId: plan.priceId });
      await inTx((m) => sync.apply(m, read(old)));
      const next = stripeSubscription({ customer: user.customerId, userId: user.id, priceId: plan.priceId });
      const retrieve = jest.spyOn(ctx.get<Stripe>(STRIPE_CLIENT).subscriptions, 'retrieve');
      try {
        const prepared = await sync.prepare({ subscription: next, version: Date.now() });
        expect(retrieve.mock.calls.map((c) => c[0])).toEqual([old.id]);
        expect(prepared.others).toEqual([{ id: old.id, read: null }]); // Stripe does not know it any more
        retrieve.mockClear();
        await inTx((m) => sync.apply(m, prepared));
        expect(retrieve).not.toHaveBeenCalled();
      } finally {
        retrieve.mockRestore();
      }
      expect(await row(old.id)).toMatchObject({ status: 'canceled' });
      expect(await sync.liveSubscription(user.id)).toMatchObject({ id: next.id });
    });

    it('refuses to store a second live subscription when Stripe says both are live', async () => {
      const user = await newUser();
      const first = stripeSubscription({ customer: user.customerId, userId: user.id, priceId: plan.priceId });
      await inTx((m) => sync.apply(m, read(first)));
      const second = stripeSubscription({
        customer: user.customerId,
        userId: user.id,
        priceId: plan.priceId,
      });
      const prepared = {
        ...read(second),
        others: [{ id: first.id, read: { subscription: first, version: Date.now() } }],
      };
      await expect(inTx((m) => sync.apply(m, prepared))).rejects.toThrow('two live subscriptions');
      expect(await row(second.id)).toBeNull();
    });
  });
});
