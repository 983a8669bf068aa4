import type Stripe from 'stripe';
import { invalidRequest } from '../errors';
import { formatAmount } from '../money';
import type { Store } from '../store';
import type { Obj } from '../types';

export type Price = Obj<Stripe.Price>;
export type Product = Obj<Stripe.Product>;

/** Unit amount of a price in a currency (its own currency or one of its currency_options). */
export function unitAmountFor(price: Price, currency: string, param = 'currency'): number {
  if (price.currency === currency) return price.unit_amount ?? 0;
  const option = price.currency_options?.[currency];
  if (!option) {
    throw invalidRequest(`The price ${price.id} does not support currency ${currency}.`, param);
  }
  return option.unit_amount ?? 0;
}

export function productName(store: Store, price: Price): string {
  const id = typeof price.product === 'string' ? price.product : (price.product?.id ?? '');
  return store.get<Product>(id)?.name ?? id;
}

/** Stripe-style line description: "1 × Pro (at $10.00 / month)". */
export function lineDescription(store: Store, price: Price, quantity: number, currency: string): string {
  const unit = formatAmount(unitAmountFor(price, currency), currency);
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
    meter: null,
    nickname: price.nickname ?? null,
    product: typeof price.product === 'string' ? price.product : (price.product?.id ?? null),
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed',
  };
}
