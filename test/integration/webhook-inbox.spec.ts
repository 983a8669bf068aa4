import type Stripe from 'stripe';
import { GrantsService } from '../../src/credits/grants.service';
import { Subscription } from '../../src/payments/subscription.entity';
import { UsersService } from '../../src/users/users.service';
import { WebhookInboxService } from '../../src/webhooks/webhook-inbox.service';
import { WebhookProcessor } from '../../src/webhooks/webhook-processor.service';
import { createPlan } from '../factories/catalog.factory';
import { stripeSubscription } from '../factories/subscription.factory';
import { createUser } from '../factories/user.factory';
import { createServiceContext, type ServiceContext } from '../support/test-app';

/** The inbox and the processor against the real database: stored once, effects and outcome in one commit. */
describe('webhook inbox and processor (service tier)', () => {
  let ctx: ServiceContext;
  let inbox: WebhookInboxService;
  let processor: WebhookProcessor;

  beforeAll(async () => {
    ctx = await createServiceContext();
    inbox = ctx.get(WebhookInboxService);
    processor = ctx.get(WebhookProcessor);
  });
  afterAll(async () => ctx.close());

  let n = 0;
  const event = (type: string, object: object): Stripe.Event =>
    ({
      id: `evt_inbox_${Date.now()}_${++n}`,
      object: 'event',
      type,
      api_version: '2025-01-01',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object },
    }) as unknown as Stripe.Event;

  it('stores an event once: a duplicate delivery records nothing', async () => {
    const e = event('invoice.paid', { id: 'in_dup', parent: null });
    expect(await inbox.record(e)).toBe(true);
    expect(await inbox.record(e)).toBe(false);
    expect(await inbox.get(e.id)).toMatchObject({
      id: e.id,
      type: 'invoice.paid',
      status: 'pending',
      attempts: 0,
    });
  });

  it('marks a type without a handler ignored, and a handler that returns without effects processed', async () => {
    const unknown = event('customer.discount.created', { id: 'di_1' });
    const oneOff = event('invoice.paid', { id: 'in_one_off', parent: null });
    for (const e of [unknown, oneOff]) await inbox.record(e);
    expect(await processor.processById(unknown.id)).toBe('ignored');
    expect(await processor.processById(oneOff.id)).toBe('processed');
    expect(await processor.processById(oneOff.id)).toBe('not_due');
    expect((await inbox.get(oneOff.id))?.processed_at).toBeInstanceOf(Date);
  });

  it('commits a handler’s effects together with the processed mark', async () => {
    const user = await createUser(ctx.get(UsersService), ctx.dataSource);
    const plan = await createPlan(ctx.dataSource);
    // Unknown to Stripe (the emulator): the handler falls back to the event's snapshot.
    const sub = stripeSubscription({ customer: user.customerId, userId: user.id, priceId: plan.priceId });
    const e = event('customer.subscription.updated', sub);
    await inbox.record(e);
    expect(await processor.processById(e.id)).toBe('processed');
    expect(await ctx.dataSource.getRepository(Subscription).findOneBy({ id: sub.id })).toMatchObject({
      userId: user.id,
      status: 'active',
    });
  });

  it('rolls a failing handler’s effects back, keeps the error, and schedules a retry', async () => {
    const user = await createUser(ctx.get(UsersService), ctx.dataSource);
    const plan = await createPlan(ctx.dataSource);
    const sub = stripeSubscription({
      customer: user.customerId,
      userId: user.id,
      priceId: plan.priceId,
      status: 'canceled',
    });
    const e = event('customer.subscription.deleted', sub);
    await inbox.record(e);
    const end = jest
      .spyOn(ctx.get(GrantsService), 'endSubscription')
      .mockRejectedValue(new Error('ledger down'));
    try {
      expect(await processor.processById(e.id)).toBe('failed');
    } finally {
      end.mockRestore();
    }
    expect(await inbox.get(e.id)).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: 'Error: ledger down',
    });
    // The subscription row was written inside the handler's transaction, and rolled back with it.
    expect(await ctx.dataSource.getRepository(Subscription).findOneBy({ id: sub.id })).toBeNull();
    expect(await inbox.requeue(e.id)).toBe(true);
    expect(await processor.processById(e.id)).toBe('processed');
    expect(await ctx.dataSource.getRepository(Subscription).findOneBy({ id: sub.id })).toMatchObject({
      status: 'canceled',
    });
  });

  it('fails, not swallows, an error thrown before the handler commits (a Stripe read that 404s)', async () => {
    const e = event('charge.dispute.created', { id: 'dp_unknown_to_stripe' });
    await inbox.record(e);
    expect(await processor.processById(e.id)).toBe('failed');
    expect((await inbox.get(e.id))?.last_error).toMatch(/dp_unknown_to_stripe|No such/i);
  });
});
