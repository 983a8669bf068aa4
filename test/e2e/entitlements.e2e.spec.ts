import type Stripe from 'stripe';
import { createApiKey } from '../factories/api-key.factory';
import { registerUser, type TestUser } from '../factories/user.factory';
import { catalogPrice, eventsAbout, settleAndVerify, stripeOf } from '../support/stripe-helpers';
import { createTestApp, waitFor, type TestApp } from '../support/test-app';

interface EntitlementsJson {
  source: string;
  plan: { lookup_key: string | null; name: string | null } | null;
  subscription_status: string | null;
  features: Array<{ key: string; value: boolean | number; plan_lookup_key: string | null }>;
}

/**
 * Entitlements end to end: the default catalog's features pushed to the emulator and synced at boot, a real
 * checkout granting them through the webhook, GET /entitlements for a user or an API key's user, and
 * @RequiresFeature's 403 on the example route.
 */
describe('entitlements (e2e)', () => {
  let t: TestApp;
  let stripe: Stripe;

  beforeAll(async () => {
    t = await createTestApp();
    stripe = stripeOf(t);
  });
  afterAll(async () => t.close());
  afterEach(async () => settleAndVerify(t));

  const entitlementsOf = async (user: TestUser) =>
    (await t.http().get('/entitlements').set(user.auth).expect(200)).body as EntitlementsJson;
  const callApi = (user: TestUser) => t.http().post('/examples/api-calls').set(user.auth);

  it('pushes the plan flags to Stripe as Entitlements features and the limits as product metadata', async () => {
    const features = await stripe.entitlements.features.list({ lookup_key: 'api_access' });
    expect(features.data).toHaveLength(1);
    const { productId } = await catalogPrice(t, 'subscription', 'Business Plan');
    const attached = await stripe.products.listFeatures(productId);
    expect(attached.data.map((f) => f.entitlement_feature.lookup_key).sort()).toEqual([
      'api_access',
      'priority_support',
    ]);
    expect((await stripe.products.retrieve(productId)).metadata.feature_limits).toBe('{"projects":100}');
  });

  it('answers the free plan without a subscription, and the decorator refuses with the plan that would grant it', async () => {
    const user = await registerUser(t);
    expect(await entitlementsOf(user)).toMatchObject({
      source: 'free_plan',
      plan: { lookup_key: 'tollgate_free', name: 'Free' },
      features: [{ key: 'projects', value: 1, plan_lookup_key: 'tollgate_free' }],
    });
    const refused = await callApi(user).expect(403);
    expect(refused.body).toMatchObject({
      statusCode: 403,
      code: 'FEATURE_NOT_ENTITLED',
      message: 'Your plan does not include api_access. Upgrade to Pro Plan to use it.',
      feature: 'api_access',
      current_plan: { lookup_key: 'tollgate_free', name: 'Free' },
      required_plan: { lookup_key: 'tollgate_pro_monthly', name: 'Pro Plan' },
    });
    expect(refused.body.required_plan.price_id).toMatch(/^price_/);
    await t.http().post('/examples/api-calls').expect(401);
  });

  it("a paid trial checkout grants the plan's features through the webhook, in step with Stripe's entitlements", async () => {
    const user = await registerUser(t);
    const pro = await catalogPrice(t, 'subscription', 'Pro Plan');
    const created = await t
      .http()
      .post('/payments/create-checkout-session')
      .set(user.auth)
      .send({ price_id: pro.priceId, product_id: pro.productId })
      .expect(200);
    expect((await t.emulator.completeCheckout((created.body as { session_id: string }).session_id)).ok).toBe(
      true,
    );
    const granted = await waitFor(async () => {
      const e = await entitlementsOf(user);
      return e.source === 'subscription' ? e : null;
    }, 'entitlements from the subscription');
    expect(granted).toMatchObject({
      plan: { lookup_key: 'tollgate_pro_monthly', name: 'Pro Plan' },
      subscription_status: 'trialing',
      features: [
        { key: 'api_access', value: true, plan_lookup_key: 'tollgate_pro_monthly' },
        { key: 'projects', value: 10, plan_lookup_key: 'tollgate_pro_monthly' },
      ],
    });
    expect((await callApi(user).expect(200)).body).toEqual({
      message: 'API call accepted',
      user_id: user.id,
      feature: 'api_access',
    });
    const [{ customer_id: customer }]: Array<{ customer_id: string }> = await t.dataSource.query(
      'SELECT customer_id FROM users WHERE id = $1',
      [user.id],
    );
    const active = await stripe.entitlements.activeEntitlements.list({ customer });
    expect(active.data.map((e) => e.lookup_key)).toEqual(['api_access']);
    const summaries = await eventsAbout(t, ['entitlements.active_entitlement_summary.updated'], customer);
    expect(summaries.length).toBeGreaterThanOrEqual(1);
  });

  it("an API key with entitlements:read reads its user's entitlements; without the scope it is refused", async () => {
    const admin = await registerUser(t, 'admin@tollgate.test');
    const key = await createApiKey(t, admin, ['users:write', 'entitlements:read']);
    const bearer = { Authorization: `Bearer ${key.secret}` };
    await t.http().put('/users/ent_user_1').set(bearer).send({ email: 'ent1@example.com' }).expect(200);
    const res = await t
      .http()
      .get('/entitlements')
      .set(bearer)
      .set('X-Tollgate-User', 'ent_user_1')
      .expect(200);
    expect(res.body).toMatchObject({ source: 'free_plan', plan: { lookup_key: 'tollgate_free' } });
    const narrow = await createApiKey(t, admin, ['credits:read'], 'narrow');
    const refused = await t
      .http()
      .get('/entitlements')
      .set({ Authorization: `Bearer ${narrow.secret}` })
      .set('X-Tollgate-User', 'ent_user_1')
      .expect(403);
    expect(refused.body.code).toBe('API_KEY_SCOPE_MISSING');
  });
});
