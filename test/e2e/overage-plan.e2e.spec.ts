import type Stripe from 'stripe';
import { CatalogPusher } from '../../src/plans/catalog-pusher';
import {
  loadCatalogFile,
  overageLookupKey,
  parseCatalog,
  type CatalogFile,
} from '../../src/plans/catalog-file';
import { STRIPE_CLIENT } from '../../src/stripe/stripe.constants';
import { registerUser, TestUser } from '../factories/user.factory';
import { credits, settle } from '../support/stripe-helpers';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * A plan declares overage in the catalog; `catalog:push` creates the meter and the metered price, `catalog:sync`
 * reads them back; a checkout of the plan carries the metered price as a second line (nothing to pay for it
 * now); once the subscription is active, a consume past the credits goes on as overage within the plan's cap.
 */
describe('a plan with overage: catalog, checkout, consume past the credits (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  let stripe: Stripe;
  let catalog: CatalogFile;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await registerUser(t, 'admin@tollgate.test');
    stripe = t.app.get<Stripe>(STRIPE_CLIENT);
    const file = loadCatalogFile();
    catalog = parseCatalog({
      ...file,
      version: file.version + 1,
      plans: [
        ...file.plans,
        {
          lookup_key: 'tollgate_scale_monthly',
          name: 'Scale Plan',
          description: 'Credits, then 2 cents per 100',
          currency: 'usd',
          amounts: { usd: 4999, eur: 4599 },
          interval: 'month',
          trial_days: 0,
          monthly_uses: 10,
          display_order: 30,
          overage: { event_name: 'tollgate_credits', per_credits: 100, amounts: { usd: 2, eur: 3 }, cap: 50 },
        },
      ],
    });
    await new CatalogPusher(stripe).push(catalog);
    await t.http().post('/admin/catalog/sync').set(admin.auth).expect(200);
  });
  afterAll(async () => t.close());

  it('push creates one meter and a metered price per currency; a second push changes nothing', async () => {
    const [price] = (await stripe.prices.list({ lookup_keys: [overageLookupKey('tollgate_scale_monthly')] }))
      .data;
    expect(price.recurring).toMatchObject({ usage_type: 'metered', interval: 'month' });
    expect(String(price.unit_amount_decimal)).toBe('0.02');
    const options = (await stripe.prices.retrieve(price.id, { expand: ['currency_options'] }))
      .currency_options!;
    expect(String(options.eur.unit_amount_decimal)).toBe('0.03');
    const meters = (await stripe.billing.meters.list({ status: 'active' })).data;
    expect(meters.filter((m) => m.event_name === 'tollgate_credits')).toHaveLength(1);
    expect(price.recurring!.meter).toBe(meters.find((m) => m.event_name === 'tollgate_credits')!.id);

    const again = await new CatalogPusher(stripe).push(catalog);
    expect(again.unchanged).toContain('tollgate_scale_monthly');
  });

  it('sync reads the overage back onto the plan row', async () => {
    const [row] = await t.dataSource.query<Array<{ overage: unknown }>>(
      `SELECT overage FROM plans WHERE lookup_key = 'tollgate_scale_monthly' AND active`,
    );
    expect(row.overage).toMatchObject({
      event_name: 'tollgate_credits',
      cap: 50,
      unit_amount_decimal: { usd: '0.02', eur: '0.03' },
    });
  });

  let subscriber: TestUser;

  it('checkout carries the metered price; the active subscriber consumes past the credits up to the cap', async () => {
    const user = (subscriber = await registerUser(t));
    const [plan] = await t.dataSource.query<Array<{ price_id: string; product_id: string }>>(
      `SELECT price_id, product_id FROM plans WHERE lookup_key = 'tollgate_scale_monthly' AND active`,
    );
    const created = await t
      .http()
      .post('/payments/create-checkout-session')
      .set(user.auth)
      .send({ price_id: plan.price_id, product_id: plan.product_id })
      .expect(200);
    const sessionId = (created.body as { session_id: string }).session_id;
    const lines = await stripe.checkout.sessions.listLineItems(sessionId);
    expect(lines.data.map((l) => l.price?.recurring?.usage_type)).toEqual(['licensed', 'metered']);
    expect(await t.emulator.completeCheckout(sessionId, { card: '4242424242424242' })).toEqual({ ok: true });
    await settle(t);

    // The plan's item is the licensed one; the subscription shows the plan.
    const sub = (await t.http().get('/payments/get-user-subscription').set(user.auth).expect(200)).body as {
      status: string;
      price_id?: string;
    };
    expect(sub.status).toBe('active');
    expect((await credits(t, user)).total_credits).toBe(10);

    await t.http().post('/credits/consume').set(user.auth).send({ amount: 40 }).expect(200);
    await t.http().post('/credits/consume').set(user.auth).send({ amount: 20 }).expect(200);
    const refused = await t.http().post('/credits/consume').set(user.auth).send({ amount: 1 }).expect(402);
    expect(refused.body).toMatchObject({ code: 'OVERAGE_CAP_REACHED', cap: 50, used: 50 });
    const [bal] = await t.dataSource.query<Array<{ overage_used: number; total: number }>>(
      `SELECT overage_used, monthly + purchased + promotional AS total FROM credit_balances WHERE user_id = $1`,
      [user.id],
    );
    expect(bal).toEqual({ overage_used: 50, total: 0 });
  });

  it('a plan change swaps the metered item with the plan: to a plan without overage it goes, and so does overage', async () => {
    const user = subscriber;
    const subscription = async () => {
      const [row] = await t.dataSource.query<Array<{ id: string }>>(
        `SELECT id FROM subscriptions WHERE user_id = $1`,
        [user.id],
      );
      return stripe.subscriptions.retrieve(row.id);
    };
    const pro = await t.dataSource.query<Array<{ price_id: string }>>(
      `SELECT price_id FROM plans WHERE lookup_key = 'tollgate_pro_monthly' AND active`,
    );
    await t
      .http()
      .post('/payments/change-plan')
      .set(user.auth)
      .send({ price_id: pro[0].price_id })
      .expect(200);
    await settle(t);

    const items = (await subscription()).items.data;
    expect(items.map((i) => i.price.id)).toEqual([pro[0].price_id]);
    const refused = await t.http().post('/credits/consume').set(user.auth).send({ amount: 1000 }).expect(402);
    expect(refused.body).toMatchObject({ code: 'INSUFFICIENT_CREDITS' });

    // Back to the plan with overage: the metered item returns; the period's overage used so far still counts.
    const [scale] = await t.dataSource.query<Array<{ price_id: string }>>(
      `SELECT price_id FROM plans WHERE lookup_key = 'tollgate_scale_monthly' AND active`,
    );
    // The preview of that change prices the plan's item at the new plan and adds the metered item (nothing now).
    const preview = await t
      .http()
      .get('/payments/change-plan/preview')
      .query({ price_id: scale.price_id })
      .set(user.auth)
      .expect(200);
    const lines = (preview.body as { lines: Array<{ amount: number; proration: boolean }> }).lines;
    expect(lines.filter((l) => !l.proration).map((l) => l.amount)).toEqual(expect.arrayContaining([4999, 0]));
    await t
      .http()
      .post('/payments/change-plan')
      .set(user.auth)
      .send({ price_id: scale.price_id })
      .expect(200);
    await settle(t);
    expect((await subscription()).items.data.map((i) => i.price.recurring?.usage_type)).toEqual([
      'licensed',
      'metered',
    ]);
    const [bal] = await t.dataSource.query<Array<{ overage_used: number; total: number }>>(
      `SELECT overage_used, monthly + purchased + promotional AS total FROM credit_balances WHERE user_id = $1`,
      [user.id],
    );
    const room = 50 - bal.overage_used + bal.total;
    await t
      .http()
      .post('/credits/consume')
      .set(user.auth)
      .send({ amount: room + 1 })
      .expect(402);
    await t.http().post('/credits/consume').set(user.auth).send({ amount: room }).expect(200);
  });
});
