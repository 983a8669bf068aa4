import type Stripe from 'stripe';
import type { Ctx } from '../ctx';
import { registerIncludable } from '../expand';
import { idOf, newId } from '../ids';
import { embeddedList } from '../list';
import { DAY } from '../time';
import type { Obj, StoredObject } from '../types';
import { couponDiscount, discountApplies, type Discount } from './discounts';
import { applyInvoiceTax, taxInvoice } from './invoice-tax';
import { chargeCard, maybeOpenDispute, type Charge, type ChargeResult } from './payments';
import { unmodelled } from '../unmodelled';
import { unitDecimalFor } from './pricing';

export type Invoice = Obj<Stripe.Invoice>;
export type Subscription = Obj<Stripe.Subscription>;
export type Price = Obj<Stripe.Price>;

/** Days after the previous failed attempt at which an invoice payment is retried (3 attempts in total). */
export const INVOICE_RETRY_DAYS = [3, 5];

export interface LineSpec {
  amount: number;
  description: string;
  price: Price;
  quantity: number;
  period: { start: number; end: number };
  proration: boolean;
  subscriptionItem: string;
}

registerIncludable('invoice', 'payments', (obj, store) =>
  embeddedList(
    store.all<StoredObject>('invoice_payment', (p) => p.invoice === obj.id),
    `/v1/invoices/${String(obj.id)}/payments`,
  ),
);

const productId = (price: Price): string =>
  typeof price.product === 'string' ? price.product : (price.product?.id ?? '');

export function buildLine(
  spec: LineSpec,
  sub: Subscription,
  invoiceId: string | null,
): Obj<Stripe.InvoiceLineItem> {
  return {
    ...unmodelled('line_item'),
    id: newId('il'),
    object: 'line_item',
    amount: spec.amount,
    currency: sub.currency,
    description: spec.description,
    discount_amounts: [],
    discountable: !spec.proration,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: {},
    parent: {
      type: 'subscription_item_details',
      invoice_item_details: null,
      subscription_item_details: {
        invoice_item: null,
        proration: spec.proration,
        proration_details: null,
        subscription: sub.id,
        subscription_item: spec.subscriptionItem,
      },
    },
    period: spec.period,
    pretax_credit_amounts: [],
    pricing: {
      type: 'price_details',
      price_details: { price: spec.price.id, product: productId(spec.price) },
      unit_amount_decimal: unitDecimalFor(spec.price, sub.currency ?? 'usd') as unknown as Stripe.Decimal,
    },
    quantity: spec.quantity,
    subscription: sub.id,
    subtotal: spec.amount,
    taxes: [],
  };
}

/** Totals for a set of lines under the subscription's discounts. */
export function invoiceTotals(
  ctx: Ctx,
  sub: Subscription,
  billingReason: string,
  lines: Array<Pick<LineSpec, 'amount' | 'proration'>>,
  periodStart: number,
): {
  subtotal: number;
  discount: number;
  total: number;
  discountAmounts: Stripe.Invoice.TotalDiscountAmount[];
} {
  const subtotal = lines.reduce((s, l) => s + l.amount, 0);
  const discountable = lines.filter((l) => !l.proration).reduce((s, l) => s + l.amount, 0);
  let discount = 0;
  const discountAmounts: Stripe.Invoice.TotalDiscountAmount[] = [];
  for (const id of sub.discounts ?? []) {
    const d = ctx.store.get<Discount>(typeof id === 'string' ? id : id.id);
    const coupon = d ? discountApplies(ctx, d, billingReason, periodStart) : undefined;
    if (!d || !coupon) continue;
    const amount = couponDiscount(coupon, discountable - discount, sub.currency ?? 'usd');
    discount += amount;
    discountAmounts.push({ amount, discount: d.id });
  }
  return { subtotal, discount, total: subtotal - discount, discountAmounts };
}

/** The fields every draft invoice starts with, whoever creates it (a subscription's period, a one-off). */
function draftInvoice(
  id: string,
  customerId: string,
  customer: Obj<Stripe.Customer> | undefined,
  now: number,
) {
  return {
    ...unmodelled('invoice'),
    account_country: 'US',
    account_name: 'Tollgate (Stripe emulator)',
    amount_overpaid: 0,
    amount_paid: 0,
    amount_shipping: 0,
    attempt_count: 0,
    attempted: false,
    created: now,
    customer: customerId,
    customer_email: customer?.email ?? null,
    customer_name: customer?.name ?? null,
    due_date: null,
    effective_at: null,
    ending_balance: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    livemode: false,
    next_payment_attempt: null,
    number: null,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft' as const,
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    total_taxes: [],
    webhooks_delivered_at: null,
  };
}

/** Create a draft subscription invoice and emit invoice.created (`beforeCreated` adds to it first). */
export function createSubscriptionInvoice(
  ctx: Ctx,
  sub: Subscription,
  billingReason: Stripe.Invoice.BillingReason,
  specs: LineSpec[],
  period: { start: number; end: number },
  now: number,
  beforeCreated?: (invoice: Invoice) => void,
): Invoice {
  const id = newId('in');
  const customerId = idOf(sub.customer);
  const customer = ctx.store.get<Obj<Stripe.Customer>>(customerId);
  const invoice: Invoice = {
    ...draftInvoice(id, customerId, customer, now),
    id,
    object: 'invoice',
    auto_advance: true,
    billing_reason: billingReason,
    collection_method: 'charge_automatically',
    currency: sub.currency,
    default_payment_method: null,
    description: null,
    lines: embeddedList(
      specs.map((s) => buildLine(s, sub, id)),
      `/v1/invoices/${id}/lines`,
    ) as unknown as Stripe.ApiList<Stripe.InvoiceLineItem>,
    metadata: {},
    parent: {
      type: 'subscription_details',
      quote_details: null,
      subscription_details: { metadata: { ...(sub.metadata ?? {}) }, subscription: sub.id },
    },
    period_end: period.end,
    period_start: period.start,
    test_clock: sub.test_clock ?? null,
  };
  retotalSubscriptionInvoice(ctx, invoice, sub, now);
  beforeCreated?.(invoice);
  ctx.store.insert(invoice);
  ctx.events.emit('invoice.created', invoice, { created: now });
  return invoice;
}

/** A subscription invoice's totals from its lines, under the subscription's discounts, then its tax. */
export function retotalSubscriptionInvoice(ctx: Ctx, invoice: Invoice, sub: Subscription, now: number): void {
  const lines = (invoice.lines?.data ?? []).map((l) => ({
    amount: l.amount,
    proration: !!l.parent?.subscription_item_details?.proration,
  }));
  const totals = invoiceTotals(ctx, sub, invoice.billing_reason ?? '', lines, invoice.period_start ?? now);
  const amountDue = Math.max(0, totals.total);
  Object.assign(invoice, {
    amount_due: amountDue,
    amount_remaining: amountDue,
    discounts: totals.discountAmounts.map((d) => idOf(d.discount)),
    subtotal: totals.subtotal,
    subtotal_excluding_tax: totals.subtotal,
    total: totals.total,
    total_discount_amounts: totals.discountAmounts,
    total_excluding_tax: totals.total,
  });
  applyInvoiceTax(ctx, invoice, sub, now);
}

/** draft → open: number, hosted page and PDF URLs; emits invoice.finalized. */
export function finalizeInvoice(ctx: Ctx, invoice: Invoice, now: number): void {
  const customerId = idOf(invoice.customer);
  const seq = (ctx.store.internal.invoiceSeq[customerId] ?? 0) + 1;
  ctx.store.internal.invoiceSeq[customerId] = seq;
  invoice.status = 'open';
  invoice.number = `${customerId.slice(4, 12).toUpperCase()}-${String(seq).padStart(4, '0')}`;
  invoice.hosted_invoice_url = `${ctx.baseUrl()}/invoices/${invoice.id}`;
  invoice.invoice_pdf = `${ctx.baseUrl()}/invoices/${invoice.id}/pdf`;
  invoice.effective_at = now;
  invoice.status_transitions = { ...invoice.status_transitions!, finalized_at: now };
  ctx.events.emit('invoice.finalized', invoice, { created: now });
}

function markPaid(ctx: Ctx, invoice: Invoice, now: number, charge?: Charge): void {
  invoice.status = 'paid';
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.attempted = true;
  invoice.next_payment_attempt = null;
  invoice.status_transitions = { ...invoice.status_transitions!, paid_at: now };
  if (charge) {
    const payment: Obj<Stripe.InvoicePayment> = {
      id: newId('inpay'),
      object: 'invoice_payment',
      amount_paid: charge.amount ?? 0,
      amount_requested: charge.amount ?? 0,
      created: now,
      currency: charge.currency ?? 'usd',
      invoice: invoice.id,
      is_default: true,
      livemode: false,
      payment: { type: 'payment_intent', payment_intent: idOf(charge.payment_intent), charge: charge.id },
      status: 'paid',
      status_transitions: { canceled_at: null, paid_at: now },
    };
    ctx.store.insert(payment);
    ctx.events.emit('invoice_payment.paid', payment, { created: now });
  }
  ctx.events.emit('invoice.paid', invoice, { created: now });
  ctx.events.emit('invoice.payment_succeeded', invoice, { created: now });
}

/** Attempt to collect an open invoice from the subscription's / customer's default card. */
export function attemptInvoicePayment(ctx: Ctx, invoice: Invoice, sub: Subscription, now: number): boolean {
  if ((invoice.amount_due ?? 0) === 0) {
    markPaid(ctx, invoice, now);
    return true;
  }
  const customer = ctx.store.get<Obj<Stripe.Customer>>(idOf(invoice.customer));
  const pm =
    (typeof sub.default_payment_method === 'string' ? sub.default_payment_method : null) ??
    (customer?.invoice_settings?.default_payment_method as string | null | undefined) ??
    '';
  const result = chargeCard(ctx, {
    customer: idOf(invoice.customer),
    paymentMethod: pm,
    amount: invoice.amount_due ?? 0,
    currency: invoice.currency ?? 'usd',
    description:
      invoice.billing_reason === 'subscription_create' ? 'Subscription creation' : 'Subscription update',
    now,
  });
  invoice.attempt_count = (invoice.attempt_count ?? 0) + 1;
  invoice.attempted = true;
  if (!result.failure) {
    markPaid(ctx, invoice, now, result.charge);
    maybeOpenDispute(ctx, result.charge, now);
    return true;
  }
  const retryDays = INVOICE_RETRY_DAYS[invoice.attempt_count - 1];
  invoice.next_payment_attempt = retryDays === undefined ? null : now + retryDays * DAY;
  ctx.events.emit('invoice.payment_failed', invoice, { created: now });
  return false;
}

/** create → finalize → pay, the normal lifecycle of an automatically charged subscription invoice. */
export function billSubscription(
  ctx: Ctx,
  sub: Subscription,
  billingReason: Stripe.Invoice.BillingReason,
  specs: LineSpec[],
  period: { start: number; end: number },
  now: number,
): { invoice: Invoice; paid: boolean } {
  const invoice = createSubscriptionInvoice(ctx, sub, billingReason, specs, period, now);
  finalizeInvoice(ctx, invoice, now);
  sub.latest_invoice = invoice.id;
  const paid = attemptInvoicePayment(ctx, invoice, sub, now);
  return { invoice, paid };
}

export type InvoiceItem = Obj<Stripe.InvoiceItem>;

const automaticTaxFlag = (invoiceId: string): string => `automatic_tax:${invoiceId}`;

/**
 * `POST /v1/invoices` without a subscription: a one-off draft invoice (billing_reason `manual`) whose lines are
 * the invoice items added to it; `automatic_tax[enabled]` taxes it from the customer's address as a
 * subscription's invoice is. Emits invoice.created.
 */
export function createOneOffInvoice(
  ctx: Ctx,
  input: {
    customer: Obj<Stripe.Customer>;
    currency: string;
    collectionMethod: Stripe.Invoice.CollectionMethod;
    autoAdvance: boolean;
    automaticTax: boolean;
    defaultPaymentMethod: string | null;
    description: string | null;
    metadata: Record<string, string>;
    now: number;
  },
): Invoice {
  const id = newId('in');
  const { customer, now } = input;
  const invoice: Invoice = {
    ...draftInvoice(id, customer.id, customer, now),
    id,
    object: 'invoice',
    amount_due: 0,
    amount_remaining: 0,
    auto_advance: input.autoAdvance,
    billing_reason: 'manual',
    collection_method: input.collectionMethod,
    currency: input.currency,
    default_payment_method: input.defaultPaymentMethod,
    description: input.description,
    discounts: [],
    lines: embeddedList([], `/v1/invoices/${id}/lines`),
    metadata: input.metadata,
    parent: null,
    period_end: now,
    period_start: now,
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: customer.test_clock ?? null,
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
  };
  if (input.automaticTax) ctx.store.internal.flags[automaticTaxFlag(id)] = true;
  retotalOneOff(ctx, invoice, now);
  ctx.store.insert(invoice);
  ctx.events.emit('invoice.created', invoice, { created: now });
  return invoice;
}

/** An invoice item's line on its (one-off) invoice. */
function itemLine(item: InvoiceItem, invoiceId: string): Obj<Stripe.InvoiceLineItem> {
  return {
    ...unmodelled('line_item'),
    id: newId('il'),
    object: 'line_item',
    amount: item.amount,
    currency: item.currency,
    description: item.description,
    discount_amounts: [],
    discountable: item.discountable,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: item.metadata ?? {},
    parent: {
      type: 'invoice_item_details',
      invoice_item_details: {
        invoice_item: item.id,
        proration: false,
        proration_details: null,
        subscription: null,
      },
      subscription_item_details: null,
    },
    period: item.period,
    pretax_credit_amounts: [],
    pricing: item.pricing
      ? {
          type: 'price_details',
          price_details: {
            price: item.pricing.price_details?.price ?? '',
            product: item.pricing.price_details?.product ?? '',
          },
          unit_amount_decimal: item.pricing.unit_amount_decimal,
        }
      : null,
    quantity: item.quantity,
    subtotal: item.amount,
    taxes: [],
  };
}

/** An invoice item joins its draft invoice: a new line, the totals and the tax again. */
export function addItemToInvoice(ctx: Ctx, invoice: Invoice, item: InvoiceItem, now: number): void {
  const lines = invoice.lines?.data ?? [];
  lines.push(itemLine(item, invoice.id) as unknown as Stripe.InvoiceLineItem);
  invoice.lines = embeddedList(
    lines as unknown as StoredObject[],
    `/v1/invoices/${invoice.id}/lines`,
  ) as unknown as Stripe.ApiList<Stripe.InvoiceLineItem>;
  retotalOneOff(ctx, invoice, now);
}

function retotalOneOff(ctx: Ctx, invoice: Invoice, now: number): void {
  const lines = invoice.lines?.data ?? [];
  for (const l of lines) l.taxes = [];
  const subtotal = lines.reduce((s, l) => s + l.amount, 0);
  invoice.subtotal = subtotal;
  invoice.subtotal_excluding_tax = subtotal;
  invoice.total = subtotal;
  invoice.total_excluding_tax = subtotal;
  invoice.total_taxes = [];
  invoice.amount_due = subtotal;
  invoice.amount_remaining = subtotal;
  taxInvoice(ctx, invoice, !!ctx.store.internal.flags[automaticTaxFlag(invoice.id)], now);
}

/**
 * `POST /v1/invoices/:id/pay` of an open one-off invoice: charges the given card, the invoice's default or the
 * customer's (off-session when asked: a 3-D Secure card then fails with `authentication_required` and
 * invoice.payment_action_required). Paid: invoice.paid with its invoice_payment. Returns the charge's result.
 */
export function payOneOffInvoice(
  ctx: Ctx,
  invoice: Invoice,
  input: { paymentMethod: string | null; offSession: boolean; now: number; authenticated?: boolean },
): ChargeResult | null {
  const { now } = input;
  if ((invoice.amount_due ?? 0) === 0) {
    markPaid(ctx, invoice, now);
    return null;
  }
  const customer = ctx.store.get<Obj<Stripe.Customer>>(idOf(invoice.customer));
  const pm =
    input.paymentMethod ||
    idOf(invoice.default_payment_method) ||
    idOf(customer?.invoice_settings?.default_payment_method);
  const result = chargeCard(ctx, {
    customer: idOf(invoice.customer),
    paymentMethod: pm || '',
    amount: invoice.amount_due ?? 0,
    currency: invoice.currency ?? 'usd',
    description: invoice.description ?? `Invoice ${invoice.number ?? invoice.id}`,
    now,
    offSession: input.offSession,
    authenticated: input.authenticated,
  });
  invoice.attempt_count = (invoice.attempt_count ?? 0) + 1;
  invoice.attempted = true;
  if (!result.failure) {
    markPaid(ctx, invoice, now, result.charge);
    return result;
  }
  ctx.events.emit(
    result.failure.code === 'authentication_required'
      ? 'invoice.payment_action_required'
      : 'invoice.payment_failed',
    invoice,
    { created: now },
  );
  return result;
}
