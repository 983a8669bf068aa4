import type Stripe from 'stripe';
import {
  invoiceTotals,
  buildLine,
  type Invoice,
  type LineSpec,
  type Subscription,
} from '../engine/invoicing';
import type { Price } from '../engine/pricing';
import {
  changeItem,
  items,
  periodLines,
  prorationLines,
  type ProrationBehavior,
} from '../engine/subscriptions';
import { invalidRequest, missingParam } from '../errors';
import { idOf, newId } from '../ids';
import { embeddedList, matchesRange, paginate } from '../list';
import { Params } from '../params';
import { respond, type Router } from '../router';
import { snapshot } from '../store';
import { addInterval, nowForCustomer } from '../time';
import type { Obj } from '../types';
import { listResponse, retrieveResponse } from './helpers';
import { unmodelled } from '../unmodelled';

const subscriptionOf = (i: Invoice): string => idOf(i.parent?.subscription_details?.subscription);

/** `invoices.createPreview` for a subscription price/quantity change (prorations + next period). */
function preview(req: Parameters<Parameters<Router['add']>[2]>[0]): unknown {
  const p = new Params(req.body, [
    'subscription',
    'subscription_details',
    'customer',
    'expand',
    'preview_mode',
  ]);
  const { ctx } = req;
  const subId = p.str('subscription');
  if (!subId) throw missingParam('subscription');
  const real = ctx.store.require<Subscription>(subId, 'subscription', 'subscription', 'subscription');
  const details = p.obj('subscription_details', [
    'items',
    'proration_behavior',
    'proration_date',
    'cancel_at_period_end',
  ]);
  const behavior: ProrationBehavior =
    details?.oneOf('proration_behavior', ['create_prorations', 'always_invoice', 'none']) ??
    'create_prorations';
  const at = details?.int('proration_date') ?? nowForCustomer(ctx.store, idOf(real.customer));
  const sub = snapshot(real);
  const prorations: LineSpec[] = [];
  (details?.list('items', ['id', 'price', 'quantity', 'deleted']) ?? []).forEach((ip, i) => {
    const item = items(sub).find((it) => it.id === (ip.str('id') ?? items(sub)[0]?.id));
    if (!item) throw invalidRequest('Invalid subscription item', `subscription_details[items][${i}][id]`);
    const priceId = ip.str('price');
    const price = priceId
      ? ctx.store.require<Price>(priceId, 'price', 'price', `subscription_details[items][${i}][price]`)
      : (item.price as Price);
    const qty = ip.int('quantity') ?? item.quantity ?? 1;
    if (behavior !== 'none') prorations.push(...prorationLines(ctx, sub, item, price, qty, at));
    changeItem(ctx, sub, item, price, qty, 'none', at);
  });
  const first = items(sub)[0];
  const start = first?.current_period_end ?? at;
  const end = addInterval(
    start,
    first?.price?.recurring?.interval ?? 'month',
    first?.price?.recurring?.interval_count ?? 1,
  );
  const pending = (ctx.store.internal.pendingProrations[sub.id] ?? []) as unknown as LineSpec[];
  const specs =
    behavior === 'always_invoice'
      ? prorations
      : [...pending, ...prorations, ...periodLines(ctx, sub, { start, end })];
  const reason = behavior === 'always_invoice' ? 'subscription_update' : 'upcoming';
  const totals = invoiceTotals(ctx, sub, reason, specs, at);
  const due = Math.max(0, totals.total);
  const invoice: Obj<Stripe.Invoice> = {
    ...unmodelled('invoice'),
    id: `upcoming_${newId('in')}`,
    object: 'invoice',
    amount_due: due,
    amount_paid: 0,
    amount_remaining: due,
    attempt_count: 0,
    attempted: false,
    billing_reason: reason,
    collection_method: 'charge_automatically',
    created: at,
    currency: sub.currency,
    customer: idOf(sub.customer),
    discounts: [],
    lines: embeddedList(
      specs.map((s) => buildLine(s, sub, null)),
      '/v1/invoices/upcoming/lines',
    ) as unknown as Stripe.ApiList<Stripe.InvoiceLineItem>,
    livemode: false,
    metadata: {},
    next_payment_attempt: behavior === 'always_invoice' ? at : start,
    parent: {
      type: 'subscription_details',
      quote_details: null,
      subscription_details: {
        metadata: sub.metadata ?? {},
        subscription: sub.id,
        subscription_proration_date: at,
      },
    },
    period_end: behavior === 'always_invoice' ? at : start,
    period_start: behavior === 'always_invoice' ? at : (first?.current_period_start ?? at),
    status: 'draft',
    subtotal: totals.subtotal,
    total: totals.total,
    total_discount_amounts: totals.discountAmounts,
    test_clock: sub.test_clock ?? null,
  };
  return respond(ctx, invoice, p);
}

export function registerInvoices(router: Router): void {
  router.add('POST', '/v1/invoices/create_preview', preview);
  router.add('GET', '/v1/invoices', (req) =>
    listResponse<Invoice>(
      req,
      'invoice',
      ['customer', 'subscription', 'status', 'created', 'collection_method'],
      (o, p) => {
        const customer = p.str('customer');
        const sub = p.str('subscription');
        const status = p.str('status');
        return (
          (!customer || o.customer === customer) &&
          (!sub || subscriptionOf(o) === sub) &&
          (!status || o.status === status) &&
          matchesRange(o.created ?? 0, p, 'created')
        );
      },
    ),
  );
  router.add('GET', '/v1/invoices/:id', (req) => retrieveResponse(req, 'invoice', 'invoice'));
  router.add('GET', '/v1/invoices/:id/lines', (req) => {
    const p = new Params(req.body, ['limit', 'starting_after', 'ending_before', 'expand']);
    const invoice = req.ctx.store.require<Invoice>(req.pathParams.id, 'invoice', 'invoice');
    return respond(req.ctx, paginate(invoice.lines?.data ?? [], p, req.path), p);
  });

  router.add('GET', '/v1/invoice_payments', (req) =>
    listResponse<Obj<Stripe.InvoicePayment>>(
      req,
      'invoice_payment',
      ['invoice', 'payment', 'status', 'created'],
      (o, p) => {
        const invoice = p.str('invoice');
        const payment = p.obj('payment', ['type', 'payment_intent', 'payment_record']);
        const pi = payment?.str('payment_intent');
        return (
          (!invoice || o.invoice === invoice) &&
          (!pi || o.payment?.payment_intent === pi) &&
          matchesRange(o.created ?? 0, p, 'created')
        );
      },
    ),
  );
  router.add('GET', '/v1/invoice_payments/:id', (req) =>
    retrieveResponse(req, 'invoice_payment', 'invoice_payment'),
  );
}
