import type Stripe from 'stripe';
import { invalidRequest } from '../errors';
import { formatAmount } from '../money';
import type { Store } from '../store';
import type { Obj } from '../types';

export type Price = Obj<Stripe.Price>;
export type Product = Obj<Stripe.Product>;

/** Unit amount of a price in a currency (its own currency or one of its currency_options), in the minor unit. */
export function unitAmountFor(price: Price, currency: string, param = 'currency'): number {
  return amountFor(price, currency, 1, param);
}

/** The exact `unit_amount_decimal` of a price in a currency (its own or a currency option's), e.g. "0.5". */
export function unitDecimalFor(price: Price, currency: string, param = 'currency'): string {
  const option = price.currency === currency ? price : price.currency_options?.[currency];
  if (!option) {
    throw invalidRequest(`The price ${price.id} does not support currency ${currency}.`, param);
  }
  return option.unit_amount_decimal != null
    ? String(option.unit_amount_decimal)
    : String(option.unit_amount ?? 0);
}

/**
 * `quantity` × the price's unit amount in a currency, computed exactly from `unit_amount_decimal` and rounded to
 * the minor unit, half away from zero.
 */
export function amountFor(price: Price, currency: string, quantity: number, param = 'currency'): number {
  const [whole, fraction = ''] = unitDecimalFor(price, currency, param).split('.');
  const scale = 10n ** BigInt(fraction.length);
  const product = BigInt(whole + fraction) * BigInt(quantity);
  const sign = product < 0n ? -1n : 1n;
  const abs = product * sign;
  const rounded = abs / scale + (2n * (abs % scale) >= scale ? 1n : 0n);
  return Number(rounded * sign);
}

export const isMetered = (price: Price): boolean => price.recurring?.usage_type === 'metered';

/** The quantity a price charges for: `transform_quantity` divides it and rounds up or down (packages). */
export function billedQuantity(price: Price, quantity: number): number {
  const t = price.transform_quantity;
  if (!t) return quantity;
  return (t.round === 'up' ? Math.ceil : Math.floor)(quantity / t.divide_by);
}

export function productName(store: Store, price: Price): string {
  const id = typeof price.product === 'string' ? price.product : (price.product?.id ?? '');
  return store.get<Product>(id)?.name ?? id;
}

/** Stripe-style line description: "1 × Pro (at $10.00 / month)". */
export function lineDescription(store: Store, price: Price, quantity: number, currency: string): string {
  const decimal = unitDecimalFor(price, currency);
  const perPackage = price.transform_quantity ? ` per ${price.transform_quantity.divide_by}` : '';
  const unit = formatAmount(Number(decimal), currency, decimal.split('.')[1]?.length ?? 0) + perPackage;
  const per = price.recurring
    ? ` / ${price.recurring.interval_count > 1 ? `${price.recurring.interval_count} ` : ''}${price.recurring.interval}`
    : '';
  return `${quantity} × ${productName(store, price)} (at ${unit}${per})`;
}

/** Legacy `plan` view of a recurring price (still present on subscription items). */
export function planFromPrice(price: Price): Stripe.Plan {
  return {
    id: price.id,
    object: 'plan',
    active: price.active ?? true,
    amount: price.unit_amount ?? null,
    amount_decimal: price.unit_amount_decimal ?? null,
    billing_scheme: 'per_unit',
    created: price.created ?? 0,
    currency: price.currency ?? 'usd',
    interval: price.recurring?.interval ?? 'month',
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata ?? {},
    meter: price.recurring?.meter ?? null,
    nickname: price.nickname ?? null,
    product: typeof price.product === 'string' ? price.product : (price.product?.id ?? null),
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: price.recurring?.usage_type ?? 'licensed',
  };
}
