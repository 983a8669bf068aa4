import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { EntitlementsService } from '../../src/entitlements/entitlements.service';
import { SubscriptionSyncService } from '../../src/payments/subscription-sync.service';
import type { Plan } from '../../src/plans/plan.entity';
import { UsersService } from '../../src/users/users.service';
import { createPlan } from '../factories/catalog.factory';
import { stripeSubscription } from '../factories/subscription.factory';
import { createUser } from '../factories/user.factory';
import { createServiceContext, type ServiceContext } from '../support/test-app';

const DAY = 86_400;

/**
 * Entitlements follow the subscription mirror inside its transaction: the plan of a subscription with access
 * (trialing, active, past_due within the grace days), else the catalog's free plan (the default catalog's
 * `tollgate_free`: projects 1, no api_access); never moved back by a late read; one outbound event per change.
 */
describe('entitlements (service tier)', () => {
  let ctx: ServiceContext;
  let basic: Plan;
  let pro: Plan;
  let sync: SubscriptionSyncService;
  let entitlements: EntitlementsService;

  beforeAll(async () => {
    ctx = await createServiceContext();
    basic = await createPlan(ctx.dataSource, { features: { projects: 3 }, lookupKey: 'spec_basic' });
    pro = await createPlan(ctx.dataSource, {
      features: { api_access: true, projects: 10 },
      lookupKey: 'spec_pro',
    });
    sync = ctx.get(SubscriptionSyncService);
    entitlements = ctx.get(EntitlementsService);
  });
  afterAll(async () => ctx.close());

  const inTx = <T>(work: (m: EntityManager) => Promise<T>): Promise<T> => ctx.dataSource.transaction(work);
  const newUser = () => createUser(ctx.get(UsersService), ctx.dataSource, {});
  let clock = Date.now();
  /** Each read is newer than the last unless a version is given. */
  const apply = (subscription: Stripe.Subscription, version = ++clock) =>
    inTx((m) => sync.apply(m, { subscription, version, others: [] }));
  const features = async (userId: string, now?: Date) => {
    const e = await entitlements.forUser(userId, now);
    return {
      plan: e.plan?.lookup_key ?? null,
      features: Object.fromEntries(e.features.map((f) => [f.key, f.value])),
    };
  };
  const events = async (userId: string) =>
    (
      await ctx.dataSource.query<Array<{ payload: { data: Record<string, unknown> } }>>(
        `SELECT payload FROM outbound_events WHERE user_id = $1 AND type = 'entitlements.updated' ORDER BY sequence`,
        [userId],
      )
    ).map((r) => r.payload.data);
  const FREE = { plan: 'tollgate_free', features: { projects: 1 } }; // a false flag is the same as no flag
  const PRO = { plan: 'spec_pro', features: { api_access: true, projects: 10 } };
  const BASIC = { plan: 'spec_basic', features: { projects: 3 } };

  it('a user without a subscription has the free plan', async () => {
    const user = await newUser();
    expect(await features(user.id)).toEqual(FREE);
  });

  it("a trial grants the plan's features, once however often the same state is mirrored", async () => {
    const user = await newUser();
    const sub = stripeSubscription({
      customer: user.customerId,
      userId: user.id,
      priceId: pro.priceId,
      status: 'trialing',
      trialEnd: Math.floor(Date.now() / 1000) + 14 * DAY,
    });
    await apply(sub);
    await apply(sub);
    expect(await features(user.id)).toEqual(PRO);
    const sent = await events(user.id);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      features: PRO.features,
      previous_features: FREE.features,
      changed_features: ['api_access', 'projects'],
      plan_lookup_key: 'spec_pro',
      previous_plan_lookup_key: 'tollgate_free',
      source: 'subscription',
      subscription_status: 'trialing',
    });
  });

  it('an upgrade changes them at once; a downgrade at period end keeps the old ones until Stripe swaps the price', async () => {
    const user = await newUser();
    const start = Math.floor(Date.now() / 1000);
    const base = { customer: user.customerId, userId: user.id, periodStart: start };
    const sub = stripeSubscription({ ...base, priceId: basic.priceId });
    await apply(sub);
    expect(await features(user.id)).toEqual(BASIC);
    await apply(stripeSubscription({ ...base, id: sub.id, priceId: pro.priceId }));
    expect(await features(user.id)).toEqual(PRO);
    // The downgrade is scheduled: until the period ends Stripe still bills (and we mirror) the pro price.
    await apply({
      ...stripeSubscription({ ...base, id: sub.id, priceId: pro.priceId }),
      schedule: 'sub_sched_1',
    });
    expect(await features(user.id)).toEqual(PRO);
    await apply(
      stripeSubscription({ ...base, id: sub.id, priceId: basic.priceId, periodStart: start + 30 * DAY }),
    );
    expect(await features(user.id)).toEqual(BASIC);
    expect((await events(user.id)).map((e) => e.plan_lookup_key)).toEqual([
      'spec_basic',
      'spec_pro',
      'spec_basic',
    ]);
  });

  it('past_due keeps the features for the grace days, then falls back to the free plan', async () => {
    const user = await newUser();
    const sub = stripeSubscription({ customer: user.customerId, userId: user.id, priceId: pro.priceId });
    await apply(sub);
    await apply({ ...sub, status: 'past_due' });
    expect(await features(user.id)).toEqual(PRO);
    const access = await entitlements.forUser(user.id);
    expect(new Date(access.access_until!).getTime()).toBeGreaterThan(Date.now() + 6 * DAY * 1000);
    // Read after the grace days, before any event: the free plan applies.
    expect(await features(user.id, new Date(Date.now() + 8 * DAY * 1000))).toEqual(FREE);
    // The next mirror of the same past_due subscription, grace already over, records it (and says so).
    await ctx.dataSource.query(
      `UPDATE subscriptions SET past_due_since = now() - interval '8 days' WHERE id = $1`,
      [sub.id],
    );
    await apply({ ...sub, status: 'past_due', cancel_at_period_end: true });
    expect(await features(user.id)).toEqual(FREE);
    expect((await events(user.id)).map((e) => e.subscription_status)).toEqual(['active', 'past_due']);
  });

  it('cancellation falls back to the free plan, and a late or duplicate event never restores the old features', async () => {
    const user = await newUser();
    const sub = stripeSubscription({ customer: user.customerId, userId: user.id, priceId: pro.priceId });
    await apply(sub, 1_000);
    await apply({ ...sub, status: 'canceled' }, 3_000);
    expect(await features(user.id)).toEqual(FREE);
    await apply(sub, 2_000); // a late customer.subscription.updated read before the cancellation
    await apply({ ...sub, status: 'canceled' }, 3_000); // a duplicate
    expect(await features(user.id)).toEqual(FREE);
    expect((await events(user.id)).map((e) => e.source)).toEqual(['subscription', 'free_plan']);
  });

  it("a late read of an ended subscription never overrides the user's newer one", async () => {
    const user = await newUser();
    const old = stripeSubscription({ customer: user.customerId, userId: user.id, priceId: basic.priceId });
    await apply(old);
    await apply({ ...old, status: 'canceled' });
    const current = stripeSubscription({ customer: user.customerId, userId: user.id, priceId: pro.priceId });
    await apply(current);
    // A replayed customer.subscription.deleted for the old one: re-fetched now, so it is the newest read.
    await apply({ ...old, status: 'canceled', cancel_at_period_end: true });
    expect(await features(user.id)).toEqual(PRO);
  });
});
