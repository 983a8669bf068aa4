import type Stripe from 'stripe';
import type { CatalogFile } from '../../src/plans/catalog-file';
import { CatalogSyncService } from '../../src/plans/catalog-sync.service';
import { PlansService } from '../../src/plans/plans.service';
import { STRIPE_CLIENT } from '../../src/stripe/stripe.constants';
import { UsersService } from '../../src/users/users.service';
import { registerUser, TestUser } from '../factories/user.factory';
import { createTestApp, TestApp, waitFor } from '../support/test-app';

interface ProductJson {
  id: string;
  name: string;
  description: string;
  credits: number;
  price: {
    price_id: string;
    unit_amount: string;
    currency: string;
    recurring: { interval: string; interval_count: number } | null;
  };
}

const products = async (t: TestApp, query: string): Promise<ProductJson[]> =>
  ((await t.http().get(`/payments/products/?${query}`).expect(200)).body as { products: ProductJson[] })
    .products;

/** A catalog unlike the default one, with a zero-decimal currency. */
const customCatalog = (starterUsd: number): CatalogFile => ({
  version: 2,
  plans: [
    {
      lookup_key: 'e2e_starter_monthly',
      name: 'Starter Plan',
      description: 'For trying things out',
      full_plan_name: 'Starter Plan',
      full_price_name: 'Starter Monthly',
      currency: 'usd',
      amounts: { usd: starterUsd, eur: 899, jpy: 1000 },
      interval: 'month',
      interval_count: 1,
      trial_days: 7,
      monthly_uses: 20,
      display_order: 5,
    },
  ],
  packages: [
    {
      lookup_key: 'e2e_credits_500',
      name: '500 Credits',
      description: 'A big bag of credits',
      currency: 'usd',
      amounts: { usd: 7999, jpy: 9000 },
      credits: 500,
      display_order: 50,
    },
  ],
});

describe('catalog (e2e)', () => {
  let t: TestApp;
  let stripe: Stripe;
  let admin: TestUser;
  let catalog: CatalogSyncService;
  let plans: PlansService;

  beforeAll(async () => {
    t = await createTestApp();
    stripe = t.app.get<Stripe>(STRIPE_CLIENT);
    catalog = t.app.get(CatalogSyncService);
    plans = t.app.get(PlansService);
    admin = await registerUser(t, 'admin@tollgate.test');
    // Push and sync only here: webhooks are exercised on their own below.
    t.emulator.pauseDeliveries();
  });
  afterAll(async () => t.close());

  const adminSync = async () =>
    (await t.http().post('/admin/catalog/sync').set(admin.auth).expect(200)).body as {
      plans: number;
      packages: number;
      deactivated: number;
    };

  it('lists the default catalog pushed to the emulator at boot, in the spec shape plus credits', async () => {
    const subs = await products(t, 'product_type=subscription');
    const pro = subs.find((p) => p.name === 'Pro Plan');
    expect(pro).toEqual({
      id: expect.stringMatching(/^prod_/),
      name: 'Pro Plan',
      description: 'Professional subscription plan',
      credits: 100,
      trial_days: 14,
      price: {
        price_id: expect.stringMatching(/^price_/),
        unit_amount: '29.99',
        currency: 'usd',
        recurring: { interval: 'month', interval_count: 1 },
      },
    });
    // The ids are Stripe's: the emulator knows them, with the credits in metadata.
    const price = await stripe.prices.retrieve(pro!.price.price_id);
    expect(price).toMatchObject({
      product: pro!.id,
      unit_amount: 2999,
      lookup_key: 'tollgate_pro_monthly',
      metadata: { monthly_uses: '100' },
    });

    const oneTime = await products(t, 'product_type=one_time');
    expect(oneTime).toEqual([
      expect.objectContaining({
        name: '100 Credits',
        credits: 100,
        trial_days: null,
        price: expect.objectContaining({ unit_amount: '19.99', currency: 'usd', recurring: null }),
      }),
    ]);
    const row = await plans.findActivePlan(pro!.price.price_id, pro!.id);
    expect(row).toMatchObject({
      unitAmount: 2999,
      currency: 'usd',
      currencyOptions: { eur: 2799 },
      trialDays: 14,
      monthlyUses: 100,
      price: '29.99',
    });
  });

  it('prices the same products in a second currency from their currency options', async () => {
    const eur = await products(t, 'product_type=subscription&currency=EUR');
    expect(eur.find((p) => p.name === 'Pro Plan')?.price).toMatchObject({
      unit_amount: '27.99',
      currency: 'eur',
    });
    const packs = await products(t, 'product_type=one_time&currency=eur');
    expect(packs.map((p) => [p.name, p.price.unit_amount, p.price.currency])).toEqual([
      ['100 Credits', '18.99', 'eur'],
    ]);
    expect(await plans.supportedCurrencies()).toEqual(['eur', 'usd']);
  });

  it('names the currencies the catalog sells in, in every products answer (what ?currency= accepts)', async () => {
    for (const query of ['product_type=subscription', 'product_type=one_time&currency=eur']) {
      const res = await t.http().get(`/payments/products/?${query}`).expect(200);
      expect(res.body.currencies).toEqual(['eur', 'usd']);
    }
    const refused = await t
      .http()
      .get('/payments/products/?product_type=subscription&currency=gbp')
      .expect(400);
    expect(refused.body.allowed).toEqual(['eur', 'usd']);
  });

  it('serves the product list from an in-process cache until the catalog changes', async () => {
    const name = (list: ProductJson[]) => list.find((p) => p.name === 'Pro Plan')?.description;
    expect(name(await products(t, 'product_type=subscription'))).toBe('Professional subscription plan');
    await t.dataSource.query(
      `UPDATE plans SET description = 'changed behind the cache' WHERE product_name = 'Pro Plan'`,
    );
    expect(name(await products(t, 'product_type=subscription'))).toBe('Professional subscription plan');
    plans.invalidate();
    expect(name(await products(t, 'product_type=subscription'))).toBe('changed behind the cache');
    // A sync rewrites the rows from Stripe and drops the cache itself.
    await adminSync();
    expect(name(await products(t, 'product_type=subscription'))).toBe('Professional subscription plan');
  });

  it('answers 400 with a specific code naming the allowed values for a bad product_type or currency', async () => {
    const bad = await t.http().get('/payments/products/?product_type=lifetime').expect(400);
    expect(bad.body).toMatchObject({ code: 'INVALID_PRODUCT_TYPE', allowed: ['subscription', 'one_time'] });
    expect(bad.body.message).toContain('subscription, one_time');
    const missing = await t.http().get('/payments/products').expect(400);
    expect(missing.body.code).toBe('INVALID_PRODUCT_TYPE');
    const gbp = await t.http().get('/payments/products/?product_type=subscription&currency=gbp').expect(400);
    expect(gbp.body).toMatchObject({ code: 'UNSUPPORTED_CURRENCY', allowed: ['eur', 'usd'] });
    const junk = await t
      .http()
      .get('/payments/products/?product_type=subscription&currency=dollars')
      .expect(400);
    expect(junk.body.code).toBe('UNSUPPORTED_CURRENCY');
  });

  it('shows operators the catalog as synced, read-only: every currency amount, trial days and pack expiry', async () => {
    const support = await registerUser(t);
    await t.app.get(UsersService).setRole(support.email, 'support');
    const body = (await t.http().get('/admin/catalog').set(support.auth).expect(200)).body as {
      plans: Array<Record<string, unknown>>;
      packages: Array<Record<string, unknown>>;
    };
    expect(body.plans.find((p) => p.name === 'Pro Plan')).toEqual({
      price_id: expect.stringMatching(/^price_/),
      product_id: expect.stringMatching(/^prod_/),
      name: 'Pro Plan',
      description: 'Professional subscription plan',
      active: true,
      credits: 100,
      prices: [
        { currency: 'usd', unit_amount: 2999 },
        { currency: 'eur', unit_amount: 2799 },
      ],
      interval: 'month',
      interval_count: 1,
      trial_days: 14,
      expires_in_days: null,
      updated_at: expect.any(String),
    });
    expect(body.packages.find((p) => p.name === '100 Credits')).toMatchObject({
      active: true,
      credits: 100,
      prices: [
        { currency: 'usd', unit_amount: 1999 },
        { currency: 'eur', unit_amount: 1899 },
      ],
      interval: null,
      trial_days: null,
      expires_in_days: null,
    });
    const user = await registerUser(t);
    await t.http().get('/admin/catalog').set(user.auth).expect(403);
    await t.http().get('/admin/catalog').expect(401);
  });

  it('lets only admins run a sync', async () => {
    const user = await registerUser(t);
    await t.http().post('/admin/catalog/sync').set(user.auth).expect(403);
    await t.http().post('/admin/catalog/sync').expect(401);
  });

  it('pushes a catalog file idempotently, syncs it, and reads it back in two currencies including a zero-decimal one', async () => {
    const first = await catalog.pushToStripe(customCatalog(999));
    expect(first.created.sort()).toEqual(['e2e_credits_500', 'e2e_starter_monthly']);
    // The default catalog's items are no longer in this file: archived, not deleted.
    expect(first.archived.sort()).toEqual([
      'tollgate_business_monthly',
      'tollgate_credits_100',
      'tollgate_free',
      'tollgate_pro_monthly',
    ]);
    const productCount = (await stripe.products.list({ limit: 100 })).data.length;
    const again = await catalog.pushToStripe(customCatalog(999));
    expect(again).toMatchObject({ created: [], updated: [], repriced: [], archived: [] });
    expect(again.unchanged.sort()).toEqual(['e2e_credits_500', 'e2e_starter_monthly']);
    expect((await stripe.products.list({ limit: 100 })).data).toHaveLength(productCount);

    const before = await products(t, 'product_type=subscription');
    expect(before.map((p) => p.name)).toContain('Pro Plan'); // cached until the catalog changes

    expect(await adminSync()).toMatchObject({ plans: 1, packages: 1, deactivated: 3 });
    const usd = await products(t, 'product_type=subscription');
    expect(usd.map((p) => [p.name, p.price.unit_amount, p.credits])).toEqual([['Starter Plan', '9.99', 20]]);
    const jpy = await products(t, 'product_type=subscription&currency=jpy');
    expect(jpy[0].price).toMatchObject({ unit_amount: '1000', currency: 'jpy' });
    const jpyPacks = await products(t, 'product_type=one_time&currency=jpy');
    expect(jpyPacks.map((p) => [p.name, p.price.unit_amount, p.credits])).toEqual([
      ['500 Credits', '9000', 500],
    ]);
    // EUR is still sold (the Starter Plan has it), but the 500-credit pack is not priced in it.
    expect(await products(t, 'product_type=one_time&currency=eur')).toEqual([]);

    // The archived default Pro Plan stays resolvable for existing subscriptions, but is not for sale.
    const pro = await t.dataSource.query(
      `SELECT price_id, product_id FROM plans WHERE product_name = 'Pro Plan'`,
    );
    expect(pro).toHaveLength(1);
    expect(await plans.findPlanByPriceId(pro[0].price_id)).toMatchObject({ active: false, monthlyUses: 100 });
    expect(await plans.findActivePlan(pro[0].price_id, pro[0].product_id)).toBeNull();
  });

  it('reprices by creating a new price under the same lookup key, keeping the old one resolvable', async () => {
    const [old] = await products(t, 'product_type=subscription');
    const pushed = await catalog.pushToStripe(customCatalog(1299));
    expect(pushed.repriced).toEqual(['e2e_starter_monthly']);
    const oldPrice = await stripe.prices.retrieve(old.price.price_id);
    expect(oldPrice).toMatchObject({ active: false, lookup_key: null });

    await adminSync();
    const [now] = await products(t, 'product_type=subscription');
    expect(now).toMatchObject({ id: old.id, price: { unit_amount: '12.99' } });
    expect(now.price.price_id).not.toBe(old.price.price_id);
    expect(await plans.findPlanByPriceId(old.price.price_id)).toMatchObject({
      active: false,
      unitAmount: 999,
      price: '9.99',
    });
    expect(await plans.findActivePlan(now.price.price_id, now.id)).toMatchObject({
      unitAmount: 1299,
      lookupKey: 'e2e_starter_monthly',
    });
  });

  it('pushes tax_behavior (exclusive by default) and tax_code; a changed tax_behavior reprices; sync mirrors both', async () => {
    const exclusive = await stripe.prices.list({ lookup_keys: ['e2e_credits_500'] });
    expect(exclusive.data[0].tax_behavior).toBe('exclusive');
    const file = customCatalog(1299);
    file.packages[0] = { ...file.packages[0], tax_behavior: 'inclusive', tax_code: 'txcd_10103001' };
    const pushed = await catalog.pushToStripe(file);
    expect(pushed.repriced).toEqual(['e2e_credits_500']);
    expect(pushed.unchanged).toEqual(['e2e_starter_monthly']);
    const [now] = (await stripe.prices.list({ lookup_keys: ['e2e_credits_500'] })).data;
    expect(now).toMatchObject({ tax_behavior: 'inclusive', unit_amount: 7999, active: true });
    expect(await stripe.prices.retrieve(exclusive.data[0].id)).toMatchObject({ active: false });
    expect((await stripe.products.retrieve(now.product as string)).tax_code).toBe('txcd_10103001');
    expect(await catalog.pushToStripe(file)).toMatchObject({ repriced: [], updated: [] });

    await adminSync();
    const rows = await t.dataSource.query(
      `SELECT price_id, tax_behavior, tax_code, active FROM packages WHERE lookup_key = 'e2e_credits_500'`,
    );
    expect(rows).toEqual([
      { price_id: now.id, tax_behavior: 'inclusive', tax_code: 'txcd_10103001', active: true },
    ]);
  });

  it('ignores Stripe products without Tollgate metadata and reports unusable prices', async () => {
    await stripe.prices.create({ currency: 'usd', unit_amount: 500, product_data: { name: 'Sticker' } });
    const broken = await stripe.products.create({ name: 'Broken Pack', metadata: { kind: 'package' } });
    const brokenPrice = await stripe.prices.create({ currency: 'usd', unit_amount: 100, product: broken.id });
    const res = (await t.http().post('/admin/catalog/sync').set(admin.auth).expect(200)).body as {
      skipped: Array<{ price_id: string; reason: string }>;
    };
    expect(res.skipped).toEqual(
      expect.arrayContaining([
        {
          price_id: brokenPrice.id,
          product_id: broken.id,
          reason: expect.stringContaining('metadata.credits'),
        },
      ]),
    );
    expect((await products(t, 'product_type=one_time')).map((p) => p.name)).toEqual(['500 Credits']);
  });
  it('dry_run=true lists what a sync would change and changes nothing; emptying the catalog needs allow_empty', async () => {
    const pack = (await products(t, 'product_type=one_time'))[0];
    await stripe.products.update(pack.id, { name: '500 Credits XL' });
    const sync = (query: string) => t.http().post(`/admin/catalog/sync?${query}`).set(admin.auth);

    const dry = (await sync('dry_run=true').expect(200)).body as {
      applied: boolean;
      changes: Array<Record<string, unknown>>;
    };
    expect(dry.applied).toBe(false);
    expect(dry.changes).toEqual([
      {
        change: 'updated',
        kind: 'package',
        price_id: pack.price.price_id,
        name: '500 Credits XL',
        fields: ['product_name'],
      },
    ]);
    expect((await products(t, 'product_type=one_time')).map((p) => p.name)).toEqual(['500 Credits']);
    const real = (await sync('dry_run=false').expect(200)).body as { applied: boolean };
    expect(real.applied).toBe(true);
    expect((await products(t, 'product_type=one_time')).map((p) => p.name)).toEqual(['500 Credits XL']);

    // A Stripe account with nothing for sale (empty, or the wrong key) must not silently empty the catalog.
    for (const product of await stripe.products
      .list({ limit: 100, active: true })
      .autoPagingToArray({ limit: 1000 }))
      await stripe.products.update(product.id, { active: false });
    const before = [
      ...(await products(t, 'product_type=subscription')),
      ...(await products(t, 'product_type=one_time')),
    ];
    expect(before.length).toBeGreaterThan(0);
    const refused = await sync('').expect(409);
    expect(refused.body).toMatchObject({ code: 'CATALOG_SYNC_WOULD_EMPTY', would_deactivate: before.length });
    expect((await products(t, 'product_type=one_time')).map((p) => p.name)).toEqual(['500 Credits XL']);
    await sync('dry_run=yes').expect(400);
    const emptied = (await sync('allow_empty=true').expect(200)).body as {
      applied: boolean;
      deactivated: number;
    };
    expect(emptied).toMatchObject({ applied: true, deactivated: before.length });
    expect(await products(t, 'product_type=one_time')).toEqual([]);
  });
});

describe('catalog webhooks (e2e)', () => {
  let t: TestApp;
  let stripe: Stripe;

  beforeAll(async () => {
    t = await createTestApp();
    stripe = t.app.get<Stripe>(STRIPE_CLIENT);
  });
  afterAll(async () => t.close());

  it('shows a price changed in Stripe after its webhook, without any sync', async () => {
    const [pro] = (await products(t, 'product_type=subscription&currency=eur')).filter(
      (p) => p.name === 'Pro Plan',
    );
    expect(pro.price.unit_amount).toBe('27.99');

    // In place: a new EUR amount on the same price (price.updated).
    await stripe.prices.update(pro.price.price_id, { currency_options: { eur: { unit_amount: 2599 } } });
    await waitFor(
      async () =>
        (await products(t, 'product_type=subscription&currency=eur')).find((p) => p.id === pro.id)?.price
          .unit_amount === '25.99',
      'the EUR amount to follow price.updated',
    );

    // A new price takes over (price.created + product.updated) and the old one is archived (price.updated).
    const next = await stripe.prices.create({
      product: pro.id,
      currency: 'usd',
      unit_amount: 3499,
      currency_options: { eur: { unit_amount: 3299 } },
      recurring: { interval: 'month' },
      lookup_key: 'tollgate_pro_monthly',
      transfer_lookup_key: true,
      metadata: { kind: 'plan', monthly_uses: '150' },
    });
    await stripe.products.update(pro.id, { default_price: next.id });
    await stripe.prices.update(pro.price.price_id, { active: false });
    const listed = await waitFor(
      async () =>
        (await products(t, 'product_type=subscription')).find(
          (p) => p.id === pro.id && p.price.price_id === next.id,
        ),
      'the new price to be listed after its webhooks',
    );
    expect(listed).toMatchObject({ credits: 150, price: { unit_amount: '34.99', currency: 'usd' } });
    const old = await t.app.get(PlansService).findPlanByPriceId(pro.price.price_id);
    expect(old).toMatchObject({ active: false, monthlyUses: 100 });
  });

  it('drops an archived product from the list after product.updated', async () => {
    const [pack] = await products(t, 'product_type=one_time');
    await stripe.products.update(pack.id, { active: false });
    await waitFor(
      async () => (await products(t, 'product_type=one_time')).length === 0,
      'the archived package to leave the list',
    );
    expect(await t.app.get(PlansService).findPackageByPriceId(pack.price.price_id)).toMatchObject({
      active: false,
      usesAmount: 100,
    });
  });
});
