import Stripe from 'stripe';
import { parseStripeApiUrl, StripeEmulator } from '../../src/stripe-emulator';
import { parseForm } from '../../src/stripe-emulator/form-parser';
import { createRecurringPrice, rawRequest, startHarness, type Harness } from './helpers';

describe('stripe emulator core', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('refuses to run in production', () => {
    const prev = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      expect(() => new StripeEmulator()).toThrow(/production/);
    } finally {
      process.env.NODE_ENV = prev;
    }
  });

  it('parses qs-style nested brackets like stripe-node sends', () => {
    const parsed = parseForm(
      'line_items[0][price]=price_1&line_items[0][quantity]=2&metadata[user_id]=u%201&expand[0]=data.product&a+b=c%2Bd&success_url=http%3A%2F%2Fx%2F%3Fs%3D%7BCHECKOUT_SESSION_ID%7D',
    );
    expect(parsed).toEqual({
      line_items: [{ price: 'price_1', quantity: '2' }],
      metadata: { user_id: 'u 1' },
      expand: ['data.product'],
      'a b': 'c+d',
      success_url: 'http://x/?s={CHECKOUT_SESSION_ID}',
    });
  });

  it('parseStripeApiUrl splits the base URL for the SDK', () => {
    expect(parseStripeApiUrl('http://127.0.0.1:12111')).toEqual({
      host: '127.0.0.1',
      port: 12111,
      protocol: 'http',
    });
  });

  it('requires a sk_test_ key (401 Stripe-shaped error)', async () => {
    const bad = new Stripe('sk_live_nope', { ...parseStripeApiUrl(h.url), maxNetworkRetries: 0 });
    await expect(bad.customers.list()).rejects.toMatchObject({
      type: 'StripeAuthenticationError',
      statusCode: 401,
    });
    const res = await rawRequest(h.url, 'GET', '/v1/customers', undefined, { authorization: '' });
    expect(res.status).toBe(401);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error' });
  });

  it('rejects unknown params naming the param', async () => {
    await expect(
      h.stripe.customers.create({ email: 'a@example.com', bogus: 'x' } as Stripe.CustomerCreateParams),
    ).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      param: 'bogus',
      code: 'parameter_unknown',
    });
    const res = await rawRequest(
      h.url,
      'POST',
      '/v1/prices',
      'currency=usd&unit_amount=1&product_data[name]=x&recurring[nope]=1',
    );
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ param: 'recurring[nope]' });
  });

  it('returns 404 resource_missing for unknown ids', async () => {
    await expect(h.stripe.customers.retrieve('cus_missing')).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
    });
  });

  it('customers: create/retrieve/update/list by email with metadata', async () => {
    const c: Stripe.Customer = await h.stripe.customers.create({
      email: 'ann@example.com',
      metadata: { user_id: '42' },
    });
    expect(c.id).toMatch(/^cus_/);
    expect(c.object).toBe('customer');
    expect(typeof c.created).toBe('number');
    const updated = await h.stripe.customers.update(c.id, { name: 'Ann', metadata: { plan: 'pro' } });
    expect(updated.metadata).toEqual({ user_id: '42', plan: 'pro' });
    const got = await h.stripe.customers.retrieve(c.id);
    expect((got as Stripe.Customer).name).toBe('Ann');
    const list = await h.stripe.customers.list({ email: 'ann@example.com' });
    expect(list.object).toBe('list');
    expect(list.data.map((x) => x.id)).toEqual([c.id]);
  });

  it('idempotency: same key + same params replays; other params → idempotency_error', async () => {
    const first = await h.stripe.customers.create({ email: 'idem@example.com' }, { idempotencyKey: 'key-1' });
    const again = await h.stripe.customers.create({ email: 'idem@example.com' }, { idempotencyKey: 'key-1' });
    expect(again.id).toBe(first.id);
    expect((await h.stripe.customers.list({ email: 'idem@example.com' })).data).toHaveLength(1);
    await expect(
      h.stripe.customers.create({ email: 'other@example.com' }, { idempotencyKey: 'key-1' }),
    ).rejects.toMatchObject({
      type: 'StripeIdempotencyError',
      statusCode: 400,
    });
  });

  it('lists paginate with limit/starting_after and has_more; auto-pagination works', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await h.stripe.products.create({ name: `P${i}`, metadata: { batch: 'pg' } })).id);
    const page1 = await h.stripe.products.list({ limit: 2 });
    expect(page1.has_more).toBe(true);
    expect(page1.url).toBe('/v1/products');
    expect(page1.data.map((p) => p.id)).toEqual([ids[4], ids[3]]);
    const page2 = await h.stripe.products.list({ limit: 2, starting_after: ids[3] });
    expect(page2.data.map((p) => p.id)).toEqual([ids[2], ids[1]]);
    const all = await h.stripe.products.list({ limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(all.filter((p) => p.metadata.batch === 'pg')).toHaveLength(5);
  });

  it('products + prices: filters, expand data.product, lookup keys with transfer, currency_options', async () => {
    const price = await createRecurringPrice(h.stripe, 1500, {
      lookup_key: 'pro_monthly',
      metadata: { credits: '100' },
      currency_options: { eur: { unit_amount: 1400 }, jpy: { unit_amount: 2000 } },
    });
    expect(price.id).toMatch(/^price_/);
    expect(price.recurring).toMatchObject({ interval: 'month', interval_count: 1 });
    expect(price.type).toBe('recurring');
    expect(price.currency_options?.eur?.unit_amount).toBe(1400);
    const byKey = await h.stripe.prices.list({ lookup_keys: ['pro_monthly'], expand: ['data.product'] });
    expect(byKey.data).toHaveLength(1);
    expect((byKey.data[0].product as Stripe.Product).name).toBe('Pro plan');
    await expect(createRecurringPrice(h.stripe, 2000, { lookup_key: 'pro_monthly' })).rejects.toMatchObject({
      param: 'lookup_key',
    });
    const moved = await createRecurringPrice(h.stripe, 2000, {
      lookup_key: 'pro_monthly',
      transfer_lookup_key: true,
    });
    expect((await h.stripe.prices.retrieve(price.id)).lookup_key).toBeNull();
    expect((await h.stripe.prices.list({ lookup_keys: ['pro_monthly'] })).data.map((p) => p.id)).toEqual([
      moved.id,
    ]);
    await h.stripe.prices.update(price.id, { active: false });
    const active = await h.stripe.prices.list({
      active: true,
      type: 'recurring',
      currency: 'usd',
      limit: 100,
    });
    expect(active.data.find((p) => p.id === price.id)).toBeUndefined();
    const oneTime = await h.stripe.prices.list({
      type: 'one_time',
      product: typeof price.product === 'string' ? price.product : price.product.id,
    });
    expect(oneTime.data).toHaveLength(0);
    const product = await h.stripe.products.update(
      typeof price.product === 'string' ? price.product : price.product.id,
      {
        name: 'Pro+',
        metadata: { tier: 'pro' },
      },
    );
    expect(product.name).toBe('Pro+');
  });

  it('coupons and promotion codes: create, retrieve, list by code', async () => {
    const coupon = await h.stripe.coupons.create({ percent_off: 25, duration: 'once', name: 'Quarter off' });
    const promo = await h.stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: coupon.id },
      code: 'SAVE25',
    });
    expect(promo.id).toMatch(/^promo_/);
    expect(promo.promotion.coupon).toBe(coupon.id);
    const found = await h.stripe.promotionCodes.list({ code: 'SAVE25' });
    expect(found.data.map((p) => p.id)).toEqual([promo.id]);
    expect((await h.stripe.coupons.retrieve(coupon.id)).percent_off).toBe(25);
  });
});
