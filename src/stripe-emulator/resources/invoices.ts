import type Stripe from 'stripe';
import {
  addItemToInvoice,
  createOneOffInvoice,
  finalizeInvoice,
  invoiceTotals,
  buildLine,
  payOneOffInvoice,
  type Invoice,
  type InvoiceItem,
  type LineSpec,
  type Subscription,
} from '../engine/invoicing';
import { refreshMeteredLines } from '../engine/metered-billing';
import { lineDescription, unitAmountFor, type Price } from '../engine/pricing';
import { ApiError } from '../errors';
import {
  addItem,
  changeItem,
  items,
  periodLines,
  prorationLines,
  removeItem,
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
    const param = `subscription_details[items][${i}]`;
    // As the update would: no id adds an item (a metered one: nothing prorated), `deleted` removes one.
    if (ip.str('id') === undefined) {
      const added = ctx.store.require<Price>(ip.reqStr('price'), 'price', 'price', `${param}[price]`);
      addItem(ctx, sub, added, at, `${param}[price]`, { preview: true });
      return;
    }
    const item = items(sub).find((it) => it.id === ip.str('id'));
    if (!item) throw invalidRequest('Invalid subscription item', `${param}[id]`);
    if (ip.bool('deleted')) {
      const credit = removeItem(ctx, sub, item, behavior, at);
      if (behavior !== 'none') prorations.push(...credit);
      return;
    }
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

/** One-off invoices: invoice items, a draft invoice, finalize, pay (what an off-session top-up with tax uses). */
function registerOneOffInvoices(router: Router): void {
  router.add('POST', '/v1/invoices', (req) => {
    const p = new Params(req.body, [
      'customer',
      'currency',
      'collection_method',
      'auto_advance',
      'automatic_tax',
      'default_payment_method',
      'description',
      'metadata',
      'pending_invoice_items_behavior',
      'expand',
    ]);
    const { ctx } = req;
    const customerId = p.str('customer');
    if (!customerId) throw missingParam('customer');
    const customer = ctx.store.require<Obj<Stripe.Customer>>(customerId, 'customer', 'customer', 'customer');
    const tax = p.obj('automatic_tax', ['enabled', 'liability']);
    const pm = p.str('default_payment_method') ?? null;
    if (pm) ctx.store.require(pm, 'payment_method', 'payment_method', 'default_payment_method');
    const invoice = createOneOffInvoice(ctx, {
      customer,
      currency: (p.str('currency') ?? customer.currency ?? 'usd').toLowerCase(),
      collectionMethod:
        p.oneOf('collection_method', ['charge_automatically', 'send_invoice']) ?? 'charge_automatically',
      autoAdvance: p.bool('auto_advance') ?? false,
      automaticTax: tax?.bool('enabled') ?? false,
      defaultPaymentMethod: pm,
      description: p.str('description') ?? null,
      metadata: p.map('metadata') ?? {},
      now: nowForCustomer(ctx.store, customerId),
    });
    // pending_invoice_items_behavior: include (the default) takes the customer's pending items.
    if (p.str('pending_invoice_items_behavior') !== 'exclude') {
      for (const item of ctx.store.all<InvoiceItem>(
        'invoiceitem',
        (i) => i.customer === customerId && !i.invoice,
      )) {
        item.invoice = invoice.id;
        addItemToInvoice(ctx, invoice, item, invoice.created ?? 0);
      }
    }
    return respond(ctx, invoice, p);
  });

  router.add('POST', '/v1/invoiceitems', (req) => {
    const p = new Params(req.body, [
      'customer',
      'invoice',
      'pricing',
      'quantity',
      'currency',
      'description',
      'metadata',
      'expand',
    ]);
    const { ctx } = req;
    const customerId = p.str('customer');
    if (!customerId) throw missingParam('customer');
    ctx.store.require<Obj<Stripe.Customer>>(customerId, 'customer', 'customer', 'customer');
    const priceId = p.obj('pricing', ['price'])?.str('price');
    if (!priceId) throw missingParam('pricing[price]');
    const price = ctx.store.require<Price>(priceId, 'price', 'price', 'pricing[price]');
    const invoiceId = p.str('invoice');
    const invoice = invoiceId ? ctx.store.require<Invoice>(invoiceId, 'invoice', 'invoice', 'invoice') : null;
    if (invoice && invoice.status !== 'draft')
      throw invalidRequest(`You can only add invoice items to draft invoices.`, 'invoice');
    const currency = (p.str('currency') ?? invoice?.currency ?? price.currency ?? 'usd').toLowerCase();
    if (invoice && invoice.currency !== currency)
      throw invalidRequest(
        `The invoice item's currency must be the invoice's (${invoice.currency}).`,
        'currency',
      );
    const quantity = p.int('quantity') ?? 1;
    const unit = unitAmountFor(price, currency);
    const now = nowForCustomer(ctx.store, customerId);
    const item: InvoiceItem = {
      ...unmodelled('invoiceitem'),
      id: newId('ii'),
      object: 'invoiceitem',
      amount: unit * quantity,
      currency,
      customer: customerId,
      customer_account: null,
      date: now,
      description: p.str('description') ?? lineDescription(ctx.store, price, quantity, currency),
      discountable: true,
      discounts: [],
      invoice: invoice?.id ?? null,
      livemode: false,
      metadata: p.map('metadata') ?? {},
      parent: null,
      period: { start: now, end: now },
      pricing: {
        type: 'price_details',
        price_details: {
          price: price.id,
          product: typeof price.product === 'string' ? price.product : (price.product?.id ?? ''),
        },
        unit_amount_decimal: String(unit) as unknown as Stripe.Decimal,
      },
      proration: false,
      quantity,
      quantity_decimal: String(quantity) as unknown as Stripe.Decimal,
      tax_rates: [],
      test_clock: null,
    };
    ctx.store.insert(item);
    ctx.events.emit('invoiceitem.created', item, { created: now });
    if (invoice) addItemToInvoice(ctx, invoice, item, now);
    return respond(ctx, item, p);
  });
  router.add('GET', '/v1/invoiceitems/:id', (req) => retrieveResponse(req, 'invoiceitem', 'invoiceitem'));

  router.add('POST', '/v1/invoices/:id/finalize', (req) => {
    const p = new Params(req.body, ['auto_advance', 'expand']);
    const { ctx } = req;
    const invoice = ctx.store.require<Invoice>(req.pathParams.id, 'invoice', 'invoice');
    if (invoice.status !== 'draft')
      throw invalidRequest(
        `This invoice is already finalized, you can't re-finalize a non-draft invoice.`,
        undefined,
        'invoice_not_editable',
      );
    if (p.has('auto_advance')) invoice.auto_advance = p.bool('auto_advance') ?? false;
    const now = nowForCustomer(ctx.store, idOf(invoice.customer));
    const sub = ctx.store.get<Subscription>(subscriptionOf(invoice));
    if (sub && invoice.automatically_finalizes_at) {
      // a renewal draft finalized early: its usage counted now, its charge on the clock's next move
      refreshMeteredLines(ctx, invoice, sub, now);
      invoice.automatically_finalizes_at = null;
      invoice.next_payment_attempt = now;
    }
    finalizeInvoice(ctx, invoice, now);
    return respond(ctx, invoice, p);
  });

  router.add('POST', '/v1/invoices/:id/pay', (req) => {
    const p = new Params(req.body, [
      'off_session',
      'payment_method',
      'expand',
      'forgive',
      'paid_out_of_band',
    ]);
    const { ctx } = req;
    const invoice = ctx.store.require<Invoice>(req.pathParams.id, 'invoice', 'invoice');
    if (invoice.status === 'paid')
      throw invalidRequest('Invoice is already paid', undefined, 'invoice_already_paid');
    if (invoice.status !== 'open')
      throw invalidRequest(
        `You can only pay an open invoice (this one is ${invoice.status}).`,
        undefined,
        'invoice_not_editable',
      );
    const pm = p.str('payment_method') ?? null;
    if (pm) ctx.store.require(pm, 'payment_method', 'payment_method', 'payment_method');
    const result = payOneOffInvoice(ctx, invoice, {
      paymentMethod: pm,
      offSession: p.bool('off_session') ?? false,
      now: nowForCustomer(ctx.store, idOf(invoice.customer)),
    });
    if (result?.failure) {
      const f = result.failure;
      throw new ApiError(402, 'card_error', f.message, {
        code: f.code,
        decline_code: f.decline_code,
        payment_intent: snapshot(result.paymentIntent),
      });
    }
    return respond(ctx, invoice, p);
  });
}

export function registerInvoices(router: Router): void {
  registerOneOffInvoices(router);
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
