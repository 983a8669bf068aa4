import type Stripe from 'stripe';
import type { Ctx } from '../ctx';
import { invalidRequest } from '../errors';
import { newId } from '../ids';
import { addInterval, realNow } from '../time';
import type { Obj } from '../types';

export type Coupon = Obj<Stripe.Coupon>;
export type PromotionCode = Obj<Stripe.PromotionCode>;
export type Discount = Obj<Stripe.Discount>;

/** Amount taken off `subtotal` by a coupon (never more than the subtotal). */
export function couponDiscount(coupon: Coupon, subtotal: number, currency: string): number {
  if (subtotal <= 0) return 0;
  if (coupon.percent_off) return Math.min(subtotal, Math.round((subtotal * coupon.percent_off) / 100));
  const amountOff =
    coupon.currency === currency
      ? (coupon.amount_off ?? 0)
      : (coupon.currency_options?.[currency]?.amount_off ?? 0);
  return Math.min(subtotal, amountOff);
}

function couponId(promo: PromotionCode): string | undefined {
  const c = promo.promotion?.coupon;
  return typeof c === 'string' ? c : c?.id;
}

/** Resolve a customer-facing promotion code (case-insensitive) to an active promotion code + valid coupon. */
export function findPromotionCode(
  ctx: Ctx,
  code: string,
): { promo: PromotionCode; coupon: Coupon } | undefined {
  const now = realNow();
  const promo = ctx.store
    .all<PromotionCode>('promotion_code')
    .find((p) => p.code?.toLowerCase() === code.trim().toLowerCase());
  if (!promo || !promo.active) return undefined;
  if (promo.expires_at && promo.expires_at < now) return undefined;
  if (promo.max_redemptions && (promo.times_redeemed ?? 0) >= promo.max_redemptions) return undefined;
  const coupon = ctx.store.get<Coupon>(couponId(promo) ?? '');
  if (!coupon?.valid) return undefined;
  return { promo, coupon };
}

export function requireValidCoupon(ctx: Ctx, id: string, param: string): Coupon {
  const coupon = ctx.store.require<Coupon>(id, 'coupon', 'coupon', param);
  if (!coupon.valid) throw invalidRequest(`Coupon ${id} is no longer valid.`, param, 'coupon_expired');
  return coupon;
}

export function redeem(coupon: Coupon, promo?: PromotionCode): void {
  coupon.times_redeemed = (coupon.times_redeemed ?? 0) + 1;
  if (coupon.max_redemptions && coupon.times_redeemed >= coupon.max_redemptions) coupon.valid = false;
  if (promo) promo.times_redeemed = (promo.times_redeemed ?? 0) + 1;
}

export function createDiscount(
  ctx: Ctx,
  coupon: Coupon,
  promo: PromotionCode | undefined,
  refs: { customer: string | null; subscription?: string | null; checkout_session?: string | null },
  now: number,
): Discount {
  const discount: Discount = {
    id: newId('di'),
    object: 'discount',
    checkout_session: refs.checkout_session ?? null,
    customer: refs.customer,
    customer_account: null,
    end: coupon.duration === 'repeating' ? addInterval(now, 'month', coupon.duration_in_months ?? 1) : null,
    invoice: null,
    invoice_item: null,
    promotion_code: promo?.id ?? null,
    source: { coupon: coupon.id, type: 'coupon' },
    start: now,
    subscription: refs.subscription ?? null,
    subscription_item: null,
  };
  ctx.store.insert(discount);
  return discount;
}

/** Does a subscription discount still apply to an invoice of this kind starting at `periodStart`? */
export function discountApplies(
  ctx: Ctx,
  discount: Discount,
  billingReason: string,
  periodStart: number,
): Coupon | undefined {
  const source = discount.source?.coupon;
  const coupon = ctx.store.get<Coupon>(typeof source === 'string' ? source : (source?.id ?? ''));
  if (!coupon) return undefined;
  if (coupon.duration === 'once' && billingReason !== 'subscription_create') return undefined;
  if (discount.end && periodStart >= discount.end) return undefined;
  return coupon;
}
