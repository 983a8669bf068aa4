import type Stripe from 'stripe';
import { buildCatalogRows, DEFAULT_TRIAL_DAYS } from './catalog-rows-from-stripe';

let seq = 0;
const product = (over: Partial<Stripe.Product> = {}): Stripe.Product =>
  ({
    id: `prod_${++seq}`,
    object: 'product',
    active: true,
    created: 1000 + seq,
    default_price: null,
    description: 'A product',
    metadata: {},
    name: `Product ${seq}`,
    ...over,
  }) as Stripe.Product;

const price = (p: Stripe.Product, over: Partial<Stripe.Price> = {}): Stripe.Price =>
  ({
    id: `price_${++seq}`,
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created: 2000 + seq,
    currency: 'usd',
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: p.id,
    recurring: {
      interval: 'month',
      interval_count: 1,
      meter: null,
      trial_period_days: null,
      usage_type: 'licensed',
    },
    type: 'recurring',
    unit_amount: 2999,
    ...over,
  }) as Stripe.Price;

const oneTime = { recurring: null, type: 'one_time' as const };

describe('buildCatalogRows (catalog)', () => {
  it('maps a plan price with metadata, currency options, tax behavior and code, and a derived display price', () => {
    const pro = product({
      name: 'Pro Plan',
      metadata: { kind: 'plan', monthly_uses: '100', full_plan_name: 'Professional Plan' },
      tax_code: 'txcd_10103001',
    });
    const p = price(pro, {
      tax_behavior: 'inclusive',
      lookup_key: 'tollgate_pro_monthly',
      nickname: 'Pro Monthly',
      metadata: { trial_days: '7', display_order: '3' },
      currency_options: {
        usd: { unit_amount: 2999 } as Stripe.Price.CurrencyOptions,
        eur: { unit_amount: 2799 } as Stripe.Price.CurrencyOptions,
      },
    });
    const { plans, packages, skipped } = buildCatalogRows([pro], [p]);
    expect(skipped).toEqual([]);
    expect(packages).toEqual([]);
    expect(plans).toEqual([
      {
        productName: 'Pro Plan',
        productId: pro.id,
        priceId: p.id,
        price: '29.99',
        description: 'A product',
        unitAmount: 2999,
        currency: 'usd',
        currencyOptions: { eur: 2799 },
        active: true,
        displayOrder: 3,
        lookupKey: 'tollgate_pro_monthly',
        taxBehavior: 'inclusive',
        taxCode: 'txcd_10103001',
        fullPlanName: 'Professional Plan',
        fullPriceName: 'Pro Monthly',
        monthlyUses: 100,
        interval: 'month',
        intervalCount: 1,
        trialDays: 7,
        features: {},
        overage: null,
      },
    ]);
  });

  it("reads a plan's features back: attached Stripe features as flags, feature_limits metadata as limits", () => {
    const pro = product({
      metadata: { kind: 'plan', monthly_uses: '1', feature_limits: '{"projects":10,"Bad Key":1,"seats":-2}' },
    });
    const free = product({
      name: 'Free',
      metadata: { kind: 'free_plan', catalog_key: 'free', feature_limits: 'not json' },
    });
    const flags = new Map([
      [pro.id, ['api_access']],
      [free.id, ['docs']],
    ]);
    const { plans, freePlans } = buildCatalogRows([pro, free], [price(pro)], flags);
    expect(plans[0].features).toEqual({ api_access: true, projects: 10 });
    expect(freePlans).toEqual([
      { productId: free.id, lookupKey: 'free', name: 'Free', features: { docs: true }, active: true },
    ]);
  });

  it('maps a package from metadata.credits (the spec) and formats zero-decimal amounts', () => {
    const pack = product({ name: '100 Credits', metadata: { credits: '100' } });
    const p = price(pack, { ...oneTime, currency: 'jpy', unit_amount: 1000 });
    const { packages } = buildCatalogRows([pack], [p]);
    expect(packages).toEqual([
      expect.objectContaining({
        usesAmount: 100,
        price: '1000',
        currency: 'jpy',
        active: true,
        expiresInDays: null,
      }),
    ]);
  });

  it('gives a package expiring credits only when its metadata says expires_in_days', () => {
    const pack = product({ name: 'Sprint pack', metadata: { credits: '50', expires_in_days: '30' } });
    const odd = product({ name: 'Odd pack', metadata: { credits: '50', expires_in_days: 'soon' } });
    const { packages } = buildCatalogRows([pack, odd], [price(pack, oneTime), price(odd, oneTime)]);
    expect(packages.map((p) => [p.productName, p.expiresInDays])).toEqual(
      expect.arrayContaining([
        ['Sprint pack', 30],
        ['Odd pack', null],
      ]),
    );
  });

  it('price metadata overrides product metadata, and trial days default to the spec 14', () => {
    const pro = product({ metadata: { kind: 'plan', monthly_uses: '100' } });
    const p = price(pro, { metadata: { monthly_uses: '150' } });
    const [row] = buildCatalogRows([pro], [p]).plans;
    expect(row).toMatchObject({ monthlyUses: 150, trialDays: DEFAULT_TRIAL_DAYS });
  });

  it("sells one price per product: the product's default_price, else the newest active price", () => {
    const pro = product({ metadata: { kind: 'plan', monthly_uses: '10' } });
    const older = price(pro, { created: 10 });
    const newer = price(pro, { created: 20 });
    expect(buildCatalogRows([pro], [older, newer]).plans.map((r) => [r.priceId, r.active])).toEqual([
      [older.id, false],
      [newer.id, true],
    ]);
    const pinned = { ...pro, default_price: older.id };
    expect(
      buildCatalogRows([pinned], [older, newer])
        .plans.filter((r) => r.active)
        .map((r) => r.priceId),
    ).toEqual([older.id]);
  });

  it('keeps archived prices and archived products as inactive rows (still resolvable)', () => {
    const pro = product({ metadata: { kind: 'plan', monthly_uses: '10' } });
    const archivedPrice = price(pro, { active: false });
    const gone = product({ active: false, metadata: { credits: '5' } });
    const goneprice = price(gone, oneTime);
    const rows = buildCatalogRows([pro, gone], [archivedPrice, goneprice]);
    expect(rows.plans).toEqual([expect.objectContaining({ priceId: archivedPrice.id, active: false })]);
    expect(rows.packages).toEqual([expect.objectContaining({ priceId: goneprice.id, active: false })]);
  });

  it('keeps names unique among what is for sale: the older product keeps the name', () => {
    const first = product({ name: 'Pro Plan', created: 1, metadata: { kind: 'plan' } });
    const second = product({ name: 'Pro Plan', created: 2, metadata: { kind: 'plan' } });
    const a = price(first);
    const b = price(second);
    const rows = buildCatalogRows([second, first], [b, a]);
    expect(rows.plans.filter((r) => r.active).map((r) => r.productId)).toEqual([first.id]);
    expect(rows.skipped).toEqual([
      { price_id: b.id, product_id: second.id, reason: expect.stringContaining('already named') },
    ]);
  });

  it('skips, with a reason, what cannot be sold and ignores products that are not Tollgate products', () => {
    const sticker = product();
    const noCredits = product({ metadata: { kind: 'package' } });
    const recurringPack = product({ metadata: { credits: '5' } });
    const oneTimePlan = product({ metadata: { kind: 'plan' } });
    const tiered = product({ metadata: { kind: 'plan' } });
    const prices = [
      price(sticker, oneTime),
      price(noCredits, oneTime),
      price(recurringPack),
      price(oneTimePlan, oneTime),
      price(tiered, { billing_scheme: 'tiered', unit_amount: null }),
      price(product(), { product: 'prod_missing' }),
    ];
    const rows = buildCatalogRows([sticker, noCredits, recurringPack, oneTimePlan, tiered], prices);
    expect(rows.plans).toEqual([]);
    expect(rows.packages).toEqual([]);
    expect(rows.skipped.map((s) => s.reason)).toEqual([
      expect.stringContaining('no Tollgate metadata'),
      expect.stringContaining('metadata.credits'),
      expect.stringContaining('one-time price'),
      expect.stringContaining('recurring price'),
      expect.stringContaining('fixed per-unit'),
      expect.stringContaining('no longer exists'),
    ]);
  });
});
