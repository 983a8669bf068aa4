import type { EntityManager } from 'typeorm';
import { CreditsService } from '../../src/credits/credits.service';
import { GrantsService } from '../../src/credits/grants.service';
import { ConsumeService } from '../../src/credits/consume.service';
import { UsersService } from '../../src/users/users.service';
import { createUser } from '../factories/user.factory';
import { createServiceContext, type ServiceContext } from '../support/test-app';
import { NO_OVERAGE } from '../support/credit-shapes';

/** CreditsService against the real database: idempotent, forwards-only, never negative, verifiable. */
describe('credit ledger (service tier)', () => {
  let ctx: ServiceContext;
  let credits: CreditsService;
  let grants: GrantsService;
  let consumer: ConsumeService;
  let users: UsersService;

  beforeAll(async () => {
    ctx = await createServiceContext();
    credits = ctx.get(CreditsService);
    grants = ctx.get(GrantsService);
    consumer = ctx.get(ConsumeService);
    users = ctx.get(UsersService);
  });
  afterEach(async () => expect(await credits.verify()).toEqual([]));
  afterAll(async () => ctx.close());

  const newUser = () => createUser(users, ctx.dataSource);
  const inTx = <T>(work: (m: EntityManager) => Promise<T>): Promise<T> => ctx.dataSource.transaction(work);
  const purchase = (userId: string, checkoutSessionId: string, paymentIntentId: string, amount = 100) => ({
    userId,
    checkoutSessionId,
    packageId: null,
    paymentIntentId,
    credits: amount,
    amountTotal: 999,
    currency: 'usd',
  });

  it('grants a purchase once per checkout session, and records it for refunds to find', async () => {
    const user = await newUser();
    expect(await inTx((m) => grants.grantPurchase(m, purchase(user.id, 'cs_once', 'pi_once')))).toBe(true);
    expect(await inTx((m) => grants.grantPurchase(m, purchase(user.id, 'cs_once', 'pi_once')))).toBe(false);
    expect(await credits.breakdown(user.id)).toEqual({
      monthly_credits: 0,
      purchased_credits: 100,
      promotional_credits: 0,
      total_credits: 100,
      held_credits: 0,
      expiring: [],
      overage: NO_OVERAGE,
    });
    expect(await inTx((m) => grants.purchaseByPaymentIntent(m, 'pi_once'))).toEqual({
      checkoutSessionId: 'cs_once',
      userId: user.id,
      credits: 100,
    });
  });

  it('starts periods only forwards: a duplicate or older period changes nothing, a newer one resets', async () => {
    const user = await newUser();
    const start = (periodStart: Date) =>
      inTx((m) =>
        grants.startPeriod(m, { userId: user.id, subscriptionId: 'sub_fwd', periodStart, allowance: 50 }),
      );
    const jan = new Date('2026-01-01T00:00:00Z');
    const feb = new Date('2026-02-01T00:00:00Z');
    expect(await start(jan)).toBe(true);
    await consumer.consume(user.id, 20, 'test');
    expect(await start(jan)).toBe(false);
    expect(await start(feb)).toBe(true);
    expect(await start(jan)).toBe(false);
    expect(await grants.lastPeriodStart('sub_fwd')).toEqual(feb);
    const { entries } = await credits.ledger(user.id, 10);
    expect(entries.map((e) => [e.reason, e.amount])).toEqual([
      ['period_reset', 50],
      ['period_expiry', -30],
      ['consume', -20],
      ['subscription_grant', 50],
    ]);
  });

  it('claws back at most what is left, recording the shortfall, and only once per key', async () => {
    const user = await newUser();
    await inTx((m) => grants.grantPurchase(m, purchase(user.id, 'cs_claw', 'pi_claw', 10)));
    await consumer.consume(user.id, 7, 'test');
    const claw = () =>
      inTx((m) =>
        grants.clawback(m, {
          userId: user.id,
          requested: 10,
          reason: 'refund_clawback',
          key: 'refund:ch_claw:999',
          sourceType: 'charge',
          sourceId: 'ch_claw',
        }),
      );
    expect(await claw()).toBe(3);
    expect(await claw()).toBeUndefined();
    expect(await credits.breakdown(user.id)).toMatchObject({ total_credits: 0 });
    const [row] = (await credits.ledger(user.id, 1)).entries;
    expect(row.metadata).toMatchObject({ requested: 10, shortfall: 7 });
    expect(await inTx((m) => grants.requestedSoFar(m, user.id, 'refund_clawback', 'charge', 'ch_claw'))).toBe(10);
  });

  it('lets concurrent consumes of one balance spend exactly what there is', async () => {
    const user = await newUser();
    await inTx((m) => grants.grantPurchase(m, purchase(user.id, 'cs_race', 'pi_race', 5)));
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => consumer.consume(user.id, 1, 'race')),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(await credits.breakdown(user.id)).toMatchObject({ total_credits: 0 });
  });

  it('refuses an adjustment for a user that does not exist', async () => {
    await expect(
      grants.adjust({
        userId: '00000000-0000-4000-8000-000000000000',
        bucket: 'purchased',
        amount: 5,
        note: 'nobody',
        actorId: 'admin',
      }),
    ).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });
});
