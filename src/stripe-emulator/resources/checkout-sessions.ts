import type Stripe from 'stripe';
import type { Ctx } from '../ctx';
import { readCheckoutTaxParams, rememberCustomerUpdate } from '../engine/checkout-tax';
import { computeSessionTotals, sessionLineItems, type LineItem, type Session } from '../engine/checkout';
import type { Coupon, PromotionCode } from '../engine/discounts';
import { requireValidCoupon } from '../engine/discounts';
import { productName, unitAmountFor, type Price } from '../engine/pricing';
import { itemQuantity } from '../engine/subscriptions';
import { invalidRequest, missingParam } from '../errors';
import { registerIncludable } from '../expand';
import { newId } from '../ids';
import { embeddedList, matchesRange, paginate } from '../list';
import { mergeMetadata, Params } from '../params';
import { respond, type Router } from '../router';
import { snapshot } from '../store';
import { DAY, nowForCustomer } from '../time';
import type { Customer } from '../engine/customers';
import { listResponse, retrieveResponse } from './helpers';
import { unmodelled } from '../unmodelled';

registerIncludable('checkout.session', 'line_items', (obj, store) =>
  embeddedList(
    (store.internal.lineItems[String(obj.id)] ?? []) as LineItem[],
    `/v1/checkout/sessions/${String(obj.id)}/line_items`,
  ),
);

const CREATE_PARAMS = [
  'mode',
  'line_items',
  'customer',
  'customer_email',
  'client_reference_id',
  'metadata',
  'subscription_data',
  'allow_promotion_codes',
  'discounts',
  'currency',
  'success_url',
  'cancel_url',
  'payment_method_types',
  'expand',
  'expires_at',
  'locale',
  'billing_address_collection',
  'customer_creation',
  'payment_intent_data',
  'ui_mode',
  'payment_method_collection',
  'submit_type',
  'automatic_tax',
  'tax_id_collection',
  'customer_update',
  'setup_intent_data',
];

function buildLineItems(ctx: Ctx, p: Params, mode: string): Array<{ price: Price; quantity?: number }> {
  const items = p.list('line_items', ['price', 'quantity', 'adjustable_quantity']);
  if (!items || items.length === 0) throw missingParam('line_items');
  return items.map((li, i) => {
    const price = ctx.store.require<Price>(li.reqStr('price'), 'price', 'price', `line_items[${i}][price]`);
    if (!price.active)
      throw invalidRequest(`The price specified (${price.id}) is inactive.`, `line_items[${i}][price]`);
    if (mode === 'payment' && price.type === 'recurring') {
      throw invalidRequest(
        'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
        `line_items[${i}][price]`,
      );
    }
    if (mode === 'subscription' && price.type !== 'recurring') {
      throw invalidRequest(
        'You must provide at least one recurring price in `subscription` mode when using prices.',
        `line_items[${i}][price]`,
      );
    }
    return { price, quantity: itemQuantity(price, li.int('quantity'), `line_items[${i}]`) };
  });
}

function resolveDiscounts(ctx: Ctx, p: Params): { coupon?: Coupon; promo?: PromotionCode } {
  const discounts = p.list('discounts', ['coupon', 'promotion_code']);
  if (!discounts || discounts.length === 0) return {};
  if (p.bool('allow_promotion_codes')) {
    throw invalidRequest(
      'You may only specify one of these parameters: allow_promotion_codes, discounts.',
      'discounts',
    );
  }
  const d = discounts[0];
  const promoId = d.str('promotion_code');
  if (promoId) {
    const promo = ctx.store.require<PromotionCode>(
      promoId,
      'promotion_code',
      'promotion_code',
      'discounts[0][promotion_code]',
    );
    const couponId = typeof promo.promotion?.coupon === 'string' ? promo.promotion.coupon : '';
    return { promo, coupon: requireValidCoupon(ctx, couponId, 'discounts[0][promotion_code]') };
  }
  return { coupon: requireValidCoupon(ctx, d.reqStr('coupon'), 'discounts[0][coupon]') };
}

export function registerCheckoutSessions(router: Router): void {
  router.add('POST', '/v1/checkout/sessions', (req) => {
    const { ctx } = req;
    const p = new Params(req.body, CREATE_PARAMS);
    const mode = p.oneOf('mode', ['payment', 'subscription', 'setup']);
    if (!mode) throw missingParam('mode');
    const successUrl = p.str('success_url');
    if (!successUrl) throw missingParam('success_url');
    const customerId = p.str('customer');
    const customer = customerId
      ? ctx.store.require<Customer>(customerId, 'customer', 'customer', 'customer')
      : undefined;
    if (customer && p.has('customer_email')) {
      throw invalidRequest(
        'You may only specify one of these parameters: customer, customer_email.',
        'customer_email',
      );
    }
    // Setup mode collects a card for later and charges nothing: no line items, no amounts.
    if (mode === 'setup' && p.has('line_items'))
      throw invalidRequest('You cannot pass `line_items` in `setup` mode.', 'line_items');
    const lines = mode === 'setup' ? [] : buildLineItems(ctx, p, mode);
    const currency = (p.str('currency') ?? lines[0]?.price.currency ?? 'usd').toLowerCase();
    lines.forEach((l, i) => unitAmountFor(l.price, currency, `line_items[${i}][price]`));
    const subData = p.obj('subscription_data', ['trial_period_days', 'metadata', 'description', 'trial_end']);
    if (subData && mode !== 'subscription') {
      throw invalidRequest('You can not pass `subscription_data` in `payment` mode.', 'subscription_data');
    }
    const piData = p.obj('payment_intent_data', [
      'metadata',
      'description',
      'setup_future_usage',
      'receipt_email',
    ]);
    if (piData && mode !== 'payment')
      throw invalidRequest(
        `You can not pass \`payment_intent_data\` in \`${mode}\` mode.`,
        'payment_intent_data',
      );
    const setupFutureUsage = piData?.oneOf('setup_future_usage', ['on_session', 'off_session']);
    const siData = p.obj('setup_intent_data', ['metadata', 'description']);
    if (siData && mode !== 'setup')
      throw invalidRequest(
        `You can not pass \`setup_intent_data\` in \`${mode}\` mode.`,
        'setup_intent_data',
      );
    const { coupon, promo } = resolveDiscounts(ctx, p);
    const tax = readCheckoutTaxParams(ctx, p, customer);
    const now = nowForCustomer(ctx.store, customerId);
    const id = newId('cs_test');
    const session: Session = {
      ...unmodelled('checkout.session'),
      id,
      object: 'checkout.session',
      adaptive_pricing: null,
      after_expiration: null,
      allow_promotion_codes: p.bool('allow_promotion_codes') ?? null,
      amount_subtotal: 0,
      amount_total: 0,
      automatic_tax: tax.automatic_tax,
      billing_address_collection: tax.billing_address_collection,
      cancel_url: p.str('cancel_url') ?? null,
      client_reference_id: p.str('client_reference_id') ?? null,
      client_secret: null,
      collected_information: null,
      consent: null,
      consent_collection: null,
      created: now,
      currency,
      currency_conversion: null,
      custom_fields: [],
      custom_text: {
        after_submit: null,
        shipping_address: null,
        submit: null,
        terms_of_service_acceptance: null,
      },
      customer: customer?.id ?? null,
      customer_account: null,
      customer_creation: customer ? null : 'always',
      customer_details: null,
      customer_email: p.str('customer_email') ?? null,
      discounts: coupon ? [{ coupon: coupon.id, promotion_code: promo?.id ?? null }] : [],
      expires_at: p.int('expires_at') ?? now + DAY,
      invoice: null,
      invoice_creation: null,
      livemode: false,
      locale: null,
      metadata: p.map('metadata') ?? {},
      mode,
      payment_intent: null,
      payment_link: null,
      payment_method_collection: 'always',
      payment_method_types: ['card'],
      payment_status: 'unpaid',
      recovered_from: null,
      setup_intent: null,
      shipping_address_collection: null,
      shipping_cost: null,
      shipping_options: [],
      status: 'open',
      submit_type: null,
      subscription: null,
      success_url: successUrl,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      ui_mode: 'hosted_page',
      url: `${ctx.baseUrl()}/checkout/${id}`,
      wallet_options: null,
      ...(tax.tax_id_collection ? { tax_id_collection: tax.tax_id_collection } : {}),
    };
    rememberCustomerUpdate(ctx, id, tax.customer_update);
    ctx.store.internal.lineItems[id] = lines.map(({ price, quantity }) => ({
      id: newId('li'),
      object: 'item',
      adjustable_quantity: null,
      amount_discount: 0,
      amount_subtotal: 0,
      amount_tax: 0,
      amount_total: 0,
      currency,
      description: productName(ctx.store, price),
      metadata: {},
      price: snapshot(price) as Stripe.Price,
      quantity: quantity ?? null,
    }));
    ctx.store.internal.sessionExtras[id] = {
      trialDays:
        subData?.int('trial_period_days') ?? lines[0]?.price.recurring?.trial_period_days ?? undefined,
      subscriptionMetadata: subData?.map('metadata') ?? {},
      couponId: coupon?.id,
      promotionCodeId: promo?.id,
      ...(setupFutureUsage ? { setupFutureUsage } : {}),
      ...(siData ? { setupIntentMetadata: siData.map('metadata') ?? {} } : {}),
    };
    if (mode === 'setup') {
      session.amount_subtotal = null;
      session.amount_total = null;
      session.currency = p.str('currency')?.toLowerCase() ?? null;
      session.payment_status = 'no_payment_required';
    } else computeSessionTotals(ctx, session, coupon);
    ctx.store.insert(session);
    return respond(ctx, session, p);
  });

  router.add('GET', '/v1/checkout/sessions', (req) =>
    listResponse<Session>(
      req,
      'checkout.session',
      ['customer', 'status', 'payment_intent', 'subscription', 'created'],
      (o, p) => {
        const customer = p.str('customer');
        const status = p.str('status');
        const pi = p.str('payment_intent');
        const sub = p.str('subscription');
        return (
          (!customer || o.customer === customer) &&
          (!status || o.status === status) &&
          (!pi || o.payment_intent === pi) &&
          (!sub || o.subscription === sub) &&
          matchesRange(o.created ?? 0, p, 'created')
        );
      },
    ),
  );

  router.add('GET', '/v1/checkout/sessions/:id', (req) =>
    retrieveResponse(req, 'checkout.session', 'checkout.session'),
  );

  router.add('POST', '/v1/checkout/sessions/:id', (req) => {
    const p = new Params(req.body, ['metadata', 'expand']);
    const session = req.ctx.store.require<Session>(req.pathParams.id, 'checkout.session', 'checkout.session');
    if (p.has('metadata')) session.metadata = mergeMetadata(session.metadata, p.map('metadata'));
    return respond(req.ctx, session, p);
  });

  router.add('GET', '/v1/checkout/sessions/:id/line_items', (req) => {
    const p = new Params(req.body, ['limit', 'starting_after', 'ending_before', 'expand']);
    req.ctx.store.require<Session>(req.pathParams.id, 'checkout.session', 'checkout.session');
    return respond(req.ctx, paginate(sessionLineItems(req.ctx, req.pathParams.id), p, req.path), p);
  });

  router.add('POST', '/v1/checkout/sessions/:id/expire', (req) => {
    const p = new Params(req.body, ['expand']);
    const session = req.ctx.store.require<Session>(req.pathParams.id, 'checkout.session', 'checkout.session');
    if (session.status !== 'open') {
      throw invalidRequest(
        `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
      );
    }
    session.status = 'expired';
    session.url = null;
    req.ctx.events.emit('checkout.session.expired', session);
    return respond(req.ctx, session, p);
  });
}
