import type { Coupon, PromotionCode } from '../engine/discounts';
import { invalidRequest, missingParam } from '../errors';
import { newId, randomToken } from '../ids';
import { matchesRange } from '../list';
import { mergeMetadata, Params } from '../params';
import { respond, type Router } from '../router';
import { realNow } from '../time';
import { idOf, listResponse, mutateWithEvent, retrieveResponse } from './helpers';

export function registerCoupons(router: Router): void {
  router.add('POST', '/v1/coupons', (req) => {
    const p = new Params(req.body, [
      'id',
      'percent_off',
      'amount_off',
      'currency',
      'duration',
      'duration_in_months',
      'name',
      'max_redemptions',
      'redeem_by',
      'metadata',
      'currency_options',
      'expand',
    ]);
    const percentOff = p.num('percent_off');
    const amountOff = p.int('amount_off');
    if (percentOff === undefined && amountOff === undefined) throw missingParam('percent_off');
    if (amountOff !== undefined && !p.str('currency')) throw missingParam('currency');
    const duration = p.oneOf('duration', ['once', 'repeating', 'forever']) ?? 'once';
    if (duration === 'repeating' && p.int('duration_in_months') === undefined)
      throw missingParam('duration_in_months');
    const id = p.str('id') ?? randomToken(8);
    if (req.ctx.store.get(id))
      throw invalidRequest('Coupon already exists.', 'id', 'resource_already_exists');
    const coupon: Coupon = {
      id,
      object: 'coupon',
      amount_off: amountOff ?? null,
      created: realNow(),
      currency: p.str('currency')?.toLowerCase() ?? null,
      duration,
      duration_in_months: p.int('duration_in_months') ?? null,
      livemode: false,
      max_redemptions: p.int('max_redemptions') ?? null,
      metadata: p.map('metadata') ?? {},
      name: p.str('name') ?? null,
      percent_off: percentOff ?? null,
      redeem_by: p.int('redeem_by') ?? null,
      times_redeemed: 0,
      valid: true,
    };
    req.ctx.store.insert(coupon);
    req.ctx.events.emit('coupon.created', coupon);
    return respond(req.ctx, coupon, p);
  });
  router.add('GET', '/v1/coupons', (req) =>
    listResponse<Coupon>(req, 'coupon', ['created'], (o, p) => matchesRange(o.created ?? 0, p, 'created')),
  );
  router.add('GET', '/v1/coupons/:id', (req) => retrieveResponse(req, 'coupon', 'coupon'));
  router.add('POST', '/v1/coupons/:id', (req) => {
    const p = new Params(req.body, ['name', 'metadata', 'expand']);
    const coupon = req.ctx.store.require<Coupon>(req.pathParams.id, 'coupon', 'coupon');
    mutateWithEvent(req.ctx, 'coupon.updated', coupon, () => {
      if (p.has('name')) coupon.name = p.str('name') || null;
      if (p.has('metadata')) coupon.metadata = mergeMetadata(coupon.metadata, p.map('metadata'));
    });
    return respond(req.ctx, coupon, p);
  });

  router.add('POST', '/v1/promotion_codes', (req) => {
    const p = new Params(req.body, [
      'promotion',
      'code',
      'active',
      'customer',
      'expires_at',
      'max_redemptions',
      'metadata',
      'restrictions',
      'expand',
    ]);
    const promotion = p.obj('promotion', ['type', 'coupon']);
    if (!promotion) throw missingParam('promotion');
    const couponId = promotion.reqStr('coupon');
    req.ctx.store.require<Coupon>(couponId, 'coupon', 'coupon', 'promotion[coupon]');
    const code = p.str('code') ?? randomToken(8).toUpperCase();
    const clash = req.ctx.store.all<PromotionCode>(
      'promotion_code',
      (o) => !!o.active && o.code?.toLowerCase() === code.toLowerCase(),
    );
    if (clash.length > 0)
      throw invalidRequest('An active promotion code with `code` already exists.', 'code');
    const promo: PromotionCode = {
      id: newId('promo'),
      object: 'promotion_code',
      active: p.bool('active') ?? true,
      code,
      created: realNow(),
      customer: p.str('customer') ?? null,
      customer_account: null,
      expires_at: p.int('expires_at') ?? null,
      livemode: false,
      max_redemptions: p.int('max_redemptions') ?? null,
      metadata: p.map('metadata') ?? {},
      promotion: { coupon: couponId, type: 'coupon' },
      restrictions: {
        first_time_transaction: false,
        minimum_amount: null,
        minimum_amount_currency: null,
      },
      times_redeemed: 0,
    };
    req.ctx.store.insert(promo);
    req.ctx.events.emit('promotion_code.created', promo);
    return respond(req.ctx, promo, p);
  });
  router.add('GET', '/v1/promotion_codes', (req) =>
    listResponse<PromotionCode>(
      req,
      'promotion_code',
      ['code', 'active', 'coupon', 'customer', 'created'],
      (o, p) => {
        const code = p.str('code');
        const active = p.bool('active');
        const coupon = p.str('coupon');
        const customer = p.str('customer');
        return (
          (!code || o.code === code) &&
          (active === undefined || o.active === active) &&
          (!coupon || idOf(o.promotion?.coupon) === coupon) &&
          (!customer || o.customer === customer) &&
          matchesRange(o.created ?? 0, p, 'created')
        );
      },
    ),
  );
  router.add('GET', '/v1/promotion_codes/:id', (req) =>
    retrieveResponse(req, 'promotion_code', 'promotion_code'),
  );
  router.add('POST', '/v1/promotion_codes/:id', (req) => {
    const p = new Params(req.body, ['active', 'metadata', 'expand']);
    const promo = req.ctx.store.require<PromotionCode>(req.pathParams.id, 'promotion_code', 'promotion_code');
    mutateWithEvent(req.ctx, 'promotion_code.updated', promo, () => {
      const active = p.bool('active');
      if (active !== undefined) promo.active = active;
      if (p.has('metadata')) promo.metadata = mergeMetadata(promo.metadata, p.map('metadata'));
    });
    return respond(req.ctx, promo, p);
  });
}
