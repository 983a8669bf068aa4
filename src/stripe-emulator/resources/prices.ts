import type Stripe from 'stripe';
import type { Ctx } from '../ctx';
import type { Price } from '../engine/pricing';
import { invalidRequest, missingParam } from '../errors';
import { newId } from '../ids';
import { matchesRange } from '../list';
import { mergeMetadata, Params } from '../params';
import { respond, type Router } from '../router';
import { realNow } from '../time';
import type { Product } from './products';
import { idOf, listResponse, mutateWithEvent, retrieveResponse } from './helpers';

const INTERVALS = ['day', 'week', 'month', 'year'] as const;

function currencyOptions(p: Params, base: string): Price['currency_options'] {
  const raw = p.obj('currency_options', Object.keys(p.raw.currency_options ?? {}));
  if (!raw) return undefined;
  const out: NonNullable<Price['currency_options']> = {};
  for (const cur of Object.keys(raw.raw)) {
    const o = raw.obj(cur, ['unit_amount', 'unit_amount_decimal', 'tax_behavior']);
    if (!o || cur === base) continue;
    out[cur] = {
      custom_unit_amount: null,
      tax_behavior: o.oneOf('tax_behavior', ['exclusive', 'inclusive', 'unspecified']) ?? 'unspecified',
      ...(unitAmounts(o) ?? { unit_amount: 0, unit_amount_decimal: '0' as unknown as Stripe.Decimal }),
    };
  }
  return out;
}

/**
 * `unit_amount` or `unit_amount_decimal` (up to 12 decimal places, kept as given): `unit_amount` is the whole
 * number when there is one, else null, as Stripe shows it.
 */
function unitAmounts(
  p: Params,
): { unit_amount: number | null; unit_amount_decimal: Stripe.Decimal } | undefined {
  const whole = p.int('unit_amount');
  if (whole !== undefined && whole < 0)
    throw invalidRequest('Invalid non-negative integer', p.name('unit_amount'));
  const raw = whole === undefined ? p.str('unit_amount_decimal') : String(whole);
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+(\.\d{1,12})?$/.test(raw))
    throw invalidRequest(
      'Invalid non-negative decimal with at most 12 decimal places',
      p.name('unit_amount_decimal'),
    );
  const decimal = raw.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return {
    unit_amount: decimal.includes('.') ? null : Number(decimal),
    unit_amount_decimal: decimal as unknown as Stripe.Decimal,
  };
}

/** `recurring[meter]` names an existing meter, and is what a metered price bills by. */
function recurringMeter(ctx: Ctx, rec: Params, usageType: string): string | null {
  const meter = rec.str('meter');
  if (usageType !== 'metered') {
    if (meter)
      throw invalidRequest(
        '`recurring[meter]` can only be set when `recurring[usage_type]` is `metered`.',
        'recurring[meter]',
      );
    return null;
  }
  if (!meter) throw missingParam('recurring[meter]');
  ctx.store.require(meter, 'billing.meter', 'billing.meter', 'recurring[meter]');
  return meter;
}

/** `transform_quantity[divide_by]` (a positive integer) and `[round]` (`up` or `down`). */
function transformQuantity(p: Params): Price['transform_quantity'] {
  const t = p.obj('transform_quantity', ['divide_by', 'round']);
  if (!t) return null;
  const divideBy = t.reqInt('divide_by');
  if (divideBy < 1) throw invalidRequest('Invalid positive integer', 'transform_quantity[divide_by]');
  const round = t.oneOf('round', ['up', 'down']);
  if (!round) throw missingParam('transform_quantity[round]');
  return { divide_by: divideBy, round };
}

/** lookup_key must be unique; `transfer_lookup_key` moves it from the price that holds it. */
function claimLookupKey(ctx: Ctx, key: string, transfer: boolean, self: string): void {
  for (const other of ctx.store.all<Price>('price', (o) => o.lookup_key === key && o.id !== self)) {
    if (!transfer)
      throw invalidRequest(`A price (\`${other.id}\`) already uses that lookup key.`, 'lookup_key');
    mutateWithEvent(ctx, 'price.updated', other, () => (other.lookup_key = null));
  }
}

export function registerPrices(router: Router): void {
  router.add('POST', '/v1/prices', (req) => {
    const p = new Params(req.body, [
      'currency',
      'unit_amount',
      'unit_amount_decimal',
      'product',
      'product_data',
      'recurring',
      'active',
      'nickname',
      'lookup_key',
      'transfer_lookup_key',
      'metadata',
      'currency_options',
      'tax_behavior',
      'billing_scheme',
      'transform_quantity',
      'expand',
    ]);
    const { ctx } = req;
    const currency = p.reqStr('currency').toLowerCase();
    let productId = p.str('product');
    const productData = p.obj('product_data', [
      'name',
      'metadata',
      'active',
      'unit_label',
      'statement_descriptor',
      'tax_code',
    ]);
    if (productId) ctx.store.require<Product>(productId, 'product', 'product', 'product');
    else if (productData) {
      const now = realNow();
      const product: Product = {
        id: newId('prod'),
        object: 'product',
        active: productData.bool('active') ?? true,
        created: now,
        default_price: null,
        description: null,
        images: [],
        livemode: false,
        marketing_features: [],
        metadata: productData.map('metadata') ?? {},
        name: productData.reqStr('name'),
        package_dimensions: null,
        shippable: null,
        tax_code: productData.str('tax_code') ?? null,
        type: 'service',
        updated: now,
        url: null,
      };
      ctx.store.insert(product);
      ctx.events.emit('product.created', product);
      productId = product.id;
    } else throw missingParam('product');
    const amounts = unitAmounts(p);
    if (!amounts) throw missingParam('unit_amount');
    const rec = p.obj('recurring', [
      'interval',
      'interval_count',
      'usage_type',
      'trial_period_days',
      'meter',
    ]);
    const usageType = rec?.oneOf('usage_type', ['licensed', 'metered']) ?? 'licensed';
    const lookupKey = p.str('lookup_key');
    const id = newId('price');
    if (lookupKey) claimLookupKey(ctx, lookupKey, p.bool('transfer_lookup_key') ?? false, id);
    const price: Price = {
      id,
      object: 'price',
      active: p.bool('active') ?? true,
      billing_scheme: 'per_unit',
      created: realNow(),
      currency,
      currency_options: currencyOptions(p, currency),
      custom_unit_amount: null,
      livemode: false,
      lookup_key: lookupKey ?? null,
      metadata: p.map('metadata') ?? {},
      nickname: p.str('nickname') ?? null,
      product: productId,
      recurring: rec
        ? {
            interval:
              rec.oneOf('interval', INTERVALS) ??
              (() => {
                throw missingParam('recurring[interval]');
              })(),
            interval_count: rec.int('interval_count') ?? 1,
            meter: recurringMeter(ctx, rec, usageType),
            trial_period_days: rec.int('trial_period_days') ?? null,
            usage_type: usageType,
          }
        : null,
      tax_behavior: p.oneOf('tax_behavior', ['exclusive', 'inclusive', 'unspecified']) ?? 'unspecified',
      tiers_mode: null,
      transform_quantity: transformQuantity(p),
      type: rec ? 'recurring' : 'one_time',
      ...amounts,
    };
    if (price.currency_options)
      price.currency_options[currency] = {
        custom_unit_amount: null,
        tax_behavior: price.tax_behavior ?? 'unspecified',
        ...amounts,
      };
    ctx.store.insert(price);
    ctx.events.emit('price.created', price);
    return respond(ctx, price, p);
  });

  router.add('GET', '/v1/prices', (req) =>
    listResponse<Price>(
      req,
      'price',
      ['active', 'type', 'currency', 'product', 'lookup_keys', 'recurring', 'created'],
      (o, p) => {
        const active = p.bool('active');
        const type = p.str('type');
        const currency = p.str('currency');
        const product = p.str('product');
        const keys = p.strList('lookup_keys');
        const rec = p.obj('recurring', ['interval', 'usage_type', 'meter']);
        const interval = rec?.str('interval');
        return (
          (active === undefined || o.active === active) &&
          (!type || o.type === type) &&
          (!currency || o.currency === currency || !!o.currency_options?.[currency]) &&
          (!product || idOf(o.product) === product) &&
          (!keys || (!!o.lookup_key && keys.includes(o.lookup_key))) &&
          (!interval || o.recurring?.interval === interval) &&
          (!rec?.has('usage_type') || o.recurring?.usage_type === rec.str('usage_type')) &&
          (!rec?.has('meter') || o.recurring?.meter === rec.str('meter')) &&
          matchesRange(o.created ?? 0, p, 'created')
        );
      },
    ),
  );

  router.add('GET', '/v1/prices/:id', (req) => retrieveResponse(req, 'price', 'price'));

  router.add('POST', '/v1/prices/:id', (req) => {
    const p = new Params(req.body, [
      'active',
      'nickname',
      'lookup_key',
      'transfer_lookup_key',
      'metadata',
      'currency_options',
      'tax_behavior',
      'expand',
    ]);
    const price = req.ctx.store.require<Price>(req.pathParams.id, 'price', 'price');
    const newBehavior = p.oneOf('tax_behavior', ['exclusive', 'inclusive', 'unspecified']);
    if (
      newBehavior &&
      price.tax_behavior &&
      price.tax_behavior !== 'unspecified' &&
      newBehavior !== price.tax_behavior
    ) {
      throw invalidRequest(
        'You cannot change `tax_behavior` once it has been set to inclusive or exclusive.',
        'tax_behavior',
      );
    }
    const lookupKey = p.str('lookup_key');
    if (lookupKey) claimLookupKey(req.ctx, lookupKey, p.bool('transfer_lookup_key') ?? false, price.id);
    mutateWithEvent(req.ctx, 'price.updated', price, () => {
      const active = p.bool('active');
      if (active !== undefined) price.active = active;
      if (p.has('nickname')) price.nickname = p.str('nickname') || null;
      if (lookupKey !== undefined) price.lookup_key = lookupKey || null;
      if (p.has('metadata')) price.metadata = mergeMetadata(price.metadata, p.map('metadata'));
      const opts = currencyOptions(p, price.currency ?? 'usd');
      if (opts) price.currency_options = { ...(price.currency_options ?? {}), ...opts };
      const tax = p.oneOf('tax_behavior', ['exclusive', 'inclusive', 'unspecified']);
      if (tax) price.tax_behavior = tax;
    });
    return respond(req.ctx, price, p);
  });
}
