import type Stripe from 'stripe';
import type { Ctx } from '../ctx';
import { invalidRequest } from '../errors';
import { diffPrevious } from '../events';
import { newId } from '../ids';
import { embeddedList } from '../list';
import { snapshot } from '../store';
import { addInterval, DAY } from '../time';
import type { Obj, StoredObject } from '../types';
import type { Discount } from './discounts';
import { billSubscription, type Invoice, type LineSpec, type Subscription } from './invoicing';
import { createMeteredRenewalDraft, finalizeMeteredRenewal, usageLines } from './metered-billing';
import {
  billedQuantity,
  isMetered,
  lineDescription,
  planFromPrice,
  productName,
  unitAmountFor,
  type Price,
} from './pricing';
import { unmodelled } from '../unmodelled';

export type SubscriptionItem = Obj<Stripe.SubscriptionItem>;

export const items = (sub: Subscription): SubscriptionItem[] => sub.items?.data ?? [];

const interval = (price: Price): { unit: string; count: number } => ({
  unit: price.recurring?.interval ?? 'month',
  count: price.recurring?.interval_count ?? 1,
});

/**
 * Regular (non-proration) lines for every item over a period, in advance; a metered item's line shows no usage
 * yet (quantity 0, nothing charged: its usage is billed in arrears when the period ends).
 */
export function periodLines(ctx: Ctx, sub: Subscription, period: { start: number; end: number }): LineSpec[] {
  return items(sub).map((it) => {
    const price = it.price as Price;
    const qty = isMetered(price) ? 0 : (it.quantity ?? 1);
    return {
      amount: unitAmountFor(price, sub.currency ?? 'usd') * billedQuantity(price, qty),
      description: lineDescription(ctx.store, price, qty, sub.currency ?? 'usd'),
      price,
      quantity: qty,
      period,
      proration: false,
      subscriptionItem: it.id,
    };
  });
}

export interface NewSubscription {
  customer: string;
  /** `quantity` is left out for a metered price (its item has none) */
  lines: Array<{ price: Price; quantity?: number }>;
  currency: string;
  trialDays?: number;
  metadata: Record<string, string>;
  discount?: Discount;
  paymentMethod: string | null;
  now: number;
  /** automatic_tax[enabled]: every invoice of the subscription (renewals too) is taxed */
  automaticTax?: boolean;
}

/** Create a subscription, emit customer.subscription.created and bill its first invoice. */
export function createSubscription(ctx: Ctx, input: NewSubscription): { sub: Subscription; paid: boolean } {
  const { now } = input;
  const id = newId('sub');
  const trialEnd = input.trialDays ? now + input.trialDays * DAY : null;
  const customer = ctx.store.get<Obj<Stripe.Customer>>(input.customer);
  const subItems: SubscriptionItem[] = input.lines.map(({ price, quantity }) => ({
    ...unmodelled('subscription_item'),
    id: newId('si'),
    object: 'subscription_item',
    created: now,
    current_period_start: now,
    current_period_end: trialEnd ?? addInterval(now, interval(price).unit, interval(price).count),
    discounts: [],
    metadata: {},
    plan: planFromPrice(price),
    price: snapshot(price) as Stripe.Price,
    ...(isMetered(price) ? {} : { quantity: quantity ?? 1 }),
    subscription: id,
    tax_rates: [],
  }));
  const sub: Subscription = {
    ...unmodelled('subscription'),
    id,
    object: 'subscription',
    application: null,
    automatic_tax: { disabled_reason: null, enabled: input.automaticTax ?? false, liability: null },
    billing_cycle_anchor: subItems[0]?.current_period_end ?? now,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: 'charge_automatically',
    created: now,
    currency: input.currency,
    customer: input.customer,
    days_until_due: null,
    default_payment_method: input.paymentMethod,
    description: null,
    discounts: input.discount ? [input.discount.id] : [],
    ended_at: null,
    items: embeddedList(
      subItems,
      `/v1/subscription_items?subscription=${id}`,
    ) as unknown as Stripe.ApiList<Stripe.SubscriptionItem>,
    latest_invoice: null,
    livemode: false,
    metadata: input.metadata,
    pause_collection: null,
    start_date: now,
    status: trialEnd ? 'trialing' : 'active',
    test_clock: customer?.test_clock ?? null,
    trial_end: trialEnd,
    trial_settings: {
      end_behavior: {
        missing_payment_method: 'create_invoice',
        billing_cycle_anchor: 'unchanged',
      },
    },
    trial_start: trialEnd ? now : null,
  };
  if (!trialEnd) sub.billing_cycle_anchor = now;
  if (input.discount) input.discount.subscription = id;
  ctx.store.insert(sub);
  ctx.events.emit('customer.subscription.created', sub, { created: now });
  const lines = trialEnd
    ? periodLines(ctx, sub, { start: now, end: trialEnd }).map((l) => ({
        ...l,
        amount: 0,
        description: `Trial period for ${productName(ctx.store, l.price)}`,
      }))
    : periodLines(ctx, sub, { start: now, end: subItems[0]?.current_period_end ?? now });
  const { paid } = billSubscription(ctx, sub, 'subscription_create', lines, { start: now, end: now }, now);
  if (!paid) sub.status = 'incomplete';
  return { sub, paid };
}

function emitUpdated(ctx: Ctx, before: StoredObject, sub: Subscription, now: number): void {
  const previous = diffPrevious(before, sub);
  if (Object.keys(previous).length > 0)
    ctx.events.emit('customer.subscription.updated', sub, { previous, created: now });
}

/** Period end (or trial end): roll items to the next period, invoice `subscription_cycle`, update status. */
export function renewSubscription(ctx: Ctx, sub: Subscription, now: number): void {
  const before = snapshot(sub) as StoredObject;
  const first = items(sub)[0];
  const previousPeriod = { start: first?.current_period_start ?? now, end: first?.current_period_end ?? now };
  const since = ctx.store.internal.meteredSince;
  const ended = items(sub).map((it) => ({
    item: it.id,
    price: it.price as Price,
    start: Math.max(it.current_period_start ?? now, since[it.id] ?? 0),
    end: it.current_period_end ?? now,
  }));
  for (const it of items(sub)) delete since[it.id];
  const trial = sub.status === 'trialing';
  for (const it of items(sub)) {
    const start = it.current_period_end ?? now;
    const { unit, count } = interval(it.price as Price);
    it.current_period_start = start;
    it.current_period_end = addInterval(start, unit, count);
  }
  if (sub.status === 'trialing') sub.status = 'active';
  emitUpdated(ctx, before, sub, now);
  const start = items(sub)[0]?.current_period_start ?? now;
  const end = items(sub)[0]?.current_period_end ?? now;
  const pending = (ctx.store.internal.pendingProrations[sub.id] ?? []) as unknown as LineSpec[];
  delete ctx.store.internal.pendingProrations[sub.id];
  const inAdvance = periodLines(ctx, sub, { start, end }).filter((l) => !isMetered(l.price));
  const lines = [...pending, ...inAdvance, ...usageLines(ctx, sub, ended, trial)];
  const beforeBilling = snapshot(sub) as StoredObject;
  if (ended.some((p) => isMetered(p.price))) {
    createMeteredRenewalDraft(ctx, sub, lines, previousPeriod, trial, now);
  } else {
    const { paid } = billSubscription(ctx, sub, 'subscription_cycle', lines, previousPeriod, now);
    if (!paid) sub.status = 'past_due';
  }
  emitUpdated(ctx, beforeBilling, sub, now);
}

/** A renewal invoice's draft hour is over: it finalizes with the usage counted again and is charged. */
export function finalizeRenewalDraft(ctx: Ctx, sub: Subscription, invoice: Invoice, now: number): void {
  const before = snapshot(sub) as StoredObject;
  if (!finalizeMeteredRenewal(ctx, invoice, sub, now)) sub.status = 'past_due';
  emitUpdated(ctx, before, sub, now);
}

/** A retry of an open invoice succeeded or definitively failed. */
export function settleAfterRetry(
  ctx: Ctx,
  sub: Subscription,
  paid: boolean,
  exhausted: boolean,
  now: number,
): void {
  if (paid && sub.status === 'past_due') {
    const before = snapshot(sub) as StoredObject;
    sub.status = 'active';
    emitUpdated(ctx, before, sub, now);
  } else if (!paid && exhausted) {
    cancelSubscription(ctx, sub, now, 'payment_failed');
  }
}

export function cancelSubscription(
  ctx: Ctx,
  sub: Subscription,
  now: number,
  reason: Stripe.Subscription.CancellationDetails.Reason,
): void {
  sub.status = 'canceled';
  sub.canceled_at = sub.canceled_at ?? now;
  sub.ended_at = now;
  sub.cancel_at = sub.cancel_at ?? null;
  sub.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason };
  ctx.events.emit('customer.subscription.deleted', sub, { created: now });
}

/** Set or clear cancel_at_period_end (mutates only; the caller emits customer.subscription.updated). */
export function applyCancelAtPeriodEnd(sub: Subscription, value: boolean, now: number): void {
  sub.cancel_at_period_end = value;
  sub.cancel_at = value ? (items(sub)[0]?.current_period_end ?? null) : null;
  sub.canceled_at = value ? now : null;
  sub.cancellation_details = {
    comment: null,
    feedback: null,
    feedback_option: null,
    reason: value ? 'cancellation_requested' : null,
  };
}

/** Run a mutation on a subscription and emit customer.subscription.updated with previous_attributes. */
export function updateWith<T>(ctx: Ctx, sub: Subscription, now: number, mutate: () => T): T {
  const before = snapshot(sub) as StoredObject;
  const result = mutate();
  emitUpdated(ctx, before, sub, now);
  return result;
}

/** Proration lines for switching an item to another price at `at` (credit for unused time + charge for remaining). */
export function prorationLines(
  ctx: Ctx,
  sub: Subscription,
  item: SubscriptionItem,
  newPrice: Price,
  quantity: number,
  at: number,
): LineSpec[] {
  const start = item.current_period_start ?? at;
  const end = item.current_period_end ?? at;
  if (end <= at || sub.status === 'trialing') return [];
  const fraction = (end - at) / (end - start);
  const currency = sub.currency ?? 'usd';
  const oldPrice = item.price as Price;
  const oldQty = item.quantity ?? 1;
  const date = new Date(at * 1000).toISOString().slice(0, 10);
  const period = { start: at, end };
  const lines: LineSpec[] = [
    {
      amount: -Math.round(unitAmountFor(oldPrice, currency) * oldQty * fraction),
      description: `Unused time on ${oldQty} × ${productName(ctx.store, oldPrice)} after ${date}`,
      price: oldPrice,
      quantity: oldQty,
      period,
      proration: true,
      subscriptionItem: item.id,
    },
    {
      amount: Math.round(unitAmountFor(newPrice, currency) * quantity * fraction),
      description: `Remaining time on ${quantity} × ${productName(ctx.store, newPrice)} after ${date}`,
      price: newPrice,
      quantity,
      period,
      proration: true,
      subscriptionItem: item.id,
    },
  ];
  // a metered price is billed in arrears from its meter: nothing to credit or charge in advance
  return lines.filter((l) => !isMetered(l.price));
}

export type ProrationBehavior = 'create_prorations' | 'always_invoice' | 'none';

/** Switch an item's price/quantity (mutates only) and return the proration lines it causes. */
export function changeItem(
  ctx: Ctx,
  sub: Subscription,
  item: SubscriptionItem,
  newPrice: Price,
  quantity: number,
  behavior: ProrationBehavior,
  now: number,
): LineSpec[] {
  const prorations = behavior === 'none' ? [] : prorationLines(ctx, sub, item, newPrice, quantity, now);
  // classic billing mode: a metered price bills only the usage after the switch, the old one's usage not at all
  if (isMetered(newPrice) && item.price?.id !== newPrice.id) ctx.store.internal.meteredSince[item.id] = now;
  item.price = snapshot(newPrice) as Stripe.Price;
  item.plan = planFromPrice(newPrice);
  if (isMetered(newPrice)) delete item.quantity;
  else item.quantity = quantity;
  return prorations;
}

/**
 * Adds an item in the middle of a period (`items[i][price]` without an id). A metered item bills the usage from
 * now on at its renewal and nothing now; adding a licensed item mid-period (a prorated charge) is not modelled.
 */
export function addItem(
  ctx: Ctx,
  sub: Subscription,
  price: Price,
  now: number,
  param: string,
  opts: { preview?: boolean } = {},
): LineSpec[] {
  if (!isMetered(price))
    throw invalidRequest(
      'The emulator models adding only a metered item to a live subscription (a licensed one would be prorated).',
      param,
    );
  if (items(sub).some((it) => it.price?.id === price.id))
    throw invalidRequest(`The subscription already has an item with the price ${price.id}.`, param);
  const first = items(sub)[0];
  const item: SubscriptionItem = {
    ...unmodelled('subscription_item'),
    id: newId('si'),
    object: 'subscription_item',
    created: now,
    current_period_start: first?.current_period_start ?? now,
    current_period_end: first?.current_period_end ?? now,
    discounts: [],
    metadata: {},
    plan: planFromPrice(price),
    price: snapshot(price) as Stripe.Price,
    subscription: sub.id,
    tax_rates: [],
  };
  if (!opts.preview) ctx.store.internal.meteredSince[item.id] = now;
  sub.items!.data = [...sub.items!.data, item as unknown as Stripe.SubscriptionItem];
  return [];
}

/** Invoice prorations now (`always_invoice`) or keep them for the next renewal invoice (`create_prorations`). */
export function applyProrations(
  ctx: Ctx,
  sub: Subscription,
  prorations: LineSpec[],
  behavior: ProrationBehavior,
  now: number,
): void {
  if (prorations.length === 0) return;
  if (behavior === 'always_invoice') {
    const end = items(sub)[0]?.current_period_end ?? now;
    billSubscription(ctx, sub, 'subscription_update', prorations, { start: now, end }, now);
  } else {
    const pending = ctx.store.internal.pendingProrations;
    pending[sub.id] = [...(pending[sub.id] ?? []), ...(prorations as unknown as StoredObject[])];
  }
}

/**
 * Remove an item (mutates only; the caller emits customer.subscription.updated) and return its proration: a
 * credit for the unused time of a licensed item; a metered item was charged nothing in advance, so none.
 */
export function removeItem(
  ctx: Ctx,
  sub: Subscription,
  item: SubscriptionItem,
  behavior: ProrationBehavior,
  now: number,
): LineSpec[] {
  if (items(sub).length <= 1)
    throw invalidRequest(
      'A subscription must have at least one item. To cancel the subscription, use the cancel endpoint (DELETE /v1/subscriptions/:id).',
    );
  const price = item.price as Price;
  const credit =
    behavior === 'none' || isMetered(price)
      ? []
      : prorationLines(ctx, sub, item, price, item.quantity ?? 1, now).slice(0, 1);
  sub.items!.data = sub.items!.data.filter((it) => it.id !== item.id);
  return credit;
}

/** `quantity` on a metered price is refused as Stripe refuses it (usage comes from the meter). */
export function itemQuantity(price: Price, quantity: number | undefined, param: string): number | undefined {
  if (!isMetered(price)) return quantity ?? 1;
  if (quantity !== undefined)
    throw invalidRequest(
      `Quantity should not be specified where usage_type is \`metered\`. Remove quantity from \`${param}\`.`,
      `${param}[quantity]`,
    );
  return undefined;
}
