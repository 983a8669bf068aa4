import { registerUser } from '../factories/user.factory';
import { catalogPrice } from '../support/stripe-helpers';
import { createTestApp, TestApp, waitFor } from '../support/test-app';

interface SubscriptionAnswer {
  has_subscription: boolean;
  status?: string;
  credits: { monthly_credits: number };
}

/**
 * The first period's credits are granted in the same transaction that first mirrors a trialing or active
 * subscription, whichever Stripe event arrives first: no read ever sees the subscription without them.
 */
describe('a subscription is never visible without its first credits (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t.close());

  it('polling both routes through a trial checkout never sees trialing with 0 monthly credits', async () => {
    const user = await registerUser(t);
    const pro = await catalogPrice(t, 'subscription', 'Pro Plan');
    const created = await t
      .http()
      .post('/payments/create-checkout-session')
      .set(user.auth)
      .send({ price_id: pro.priceId, product_id: pro.productId })
      .expect(200);
    const sessionId = (created.body as { session_id: string }).session_id;

    let stop = false;
    const gaps: string[] = [];
    let reads = 0;
    let live = 0;
    const poll = (async () => {
      while (!stop) {
        const sub = (await t.http().get('/payments/get-user-subscription').set(user.auth).expect(200))
          .body as SubscriptionAnswer;
        reads++;
        if (!sub.has_subscription) continue;
        live++;
        if (sub.credits.monthly_credits === 0) gaps.push(`get-user-subscription: ${sub.status} with 0 credits`);
        // Read after the subscription was seen: its credits were committed with it.
        const credits = (await t.http().get('/credits').set(user.auth).expect(200)).body as {
          monthly_credits: number;
        };
        if (credits.monthly_credits === 0) gaps.push(`GET /credits: 0 after ${sub.status} was seen`);
      }
    })();
    try {
      expect(await t.emulator.completeCheckout(sessionId, { card: '4242424242424242' })).toEqual({ ok: true });
      await waitFor(async () => live >= 5, 'the subscription seen live a few times');
      await t.emulator.whenDeliveriesSettled(15_000);
    } finally {
      stop = true;
      await poll;
    }
    expect(reads).toBeGreaterThan(live);
    expect(gaps).toEqual([]);
    const ledger: Array<{ reason: string; amount: number }> = await t.dataSource.query(
      'SELECT reason, amount FROM credit_ledger WHERE user_id = $1 ORDER BY id',
      [user.id],
    );
    // Granted once, whichever of the subscription's, the checkout's and the invoice's events came first.
    expect(ledger).toEqual([{ reason: 'subscription_grant', amount: 100 }]);
  });
});
