import type Stripe from 'stripe';
import type { Ctx } from '../ctx';
import { snapshot } from '../store';
import {
  AUTH_FAILED,
  DECLINED,
  INCORRECT_NUMBER,
  lookupCard,
  type CardFailure,
  type TestCard,
} from '../test-cards';
import { nowForCustomer } from '../time';
import type { Obj, StoredObject } from '../types';
import { applySessionTax, collectBilling, saveBilling, type BillingInput } from './checkout-tax';
import { createCustomer, type Customer } from './customers';
import { couponDiscount, createDiscount, findPromotionCode, redeem, type Coupon } from './discounts';
import {
  chargeCard,
  createPaymentMethod,
  createSucceededSetupIntent,
  maybeOpenDispute,
  recordDeclinedCheckoutAttempt,
} from './payments';
import { unitAmountFor, type Price } from './pricing';
import { createSubscription } from './subscriptions';

export type Session = Obj<Stripe.Checkout.Session>;
export type LineItem = Obj<Stripe.LineItem>;

export const sessionLineItems = (ctx: Ctx, sessionId: string): LineItem[] =>
  (ctx.store.internal.lineItems[sessionId] ?? []) as LineItem[];

/** Recompute line item and session amounts (subtotal, discount, total) for the session's coupon. */
export function computeSessionTotals(
  ctx: Ctx,
  session: Session,
  coupon: Coupon | undefined,
  taxAddress?: Stripe.Address | null,
): void {
  const extras = ctx.store.internal.sessionExtras[session.id];
  const trial = session.mode === 'subscription' && !!extras?.trialDays;
  const lines = sessionLineItems(ctx, session.id);
  let remaining = 0;
  for (const li of lines) {
    // a metered price (no quantity) is billed in arrears from its meter: nothing at checkout
    li.amount_subtotal =
      trial || li.quantity === null
        ? 0
        : unitAmountFor(li.price as Price, session.currency ?? 'usd') * (li.quantity ?? 1);
    remaining += li.amount_subtotal;
  }
  const subtotal = remaining;
  const totalDiscount = coupon ? couponDiscount(coupon, subtotal, session.currency ?? 'usd') : 0;
  let left = totalDiscount;
  for (const li of lines) {
    const share =
      subtotal === 0 ? 0 : Math.min(left, Math.round((totalDiscount * (li.amount_subtotal ?? 0)) / subtotal));
    left -= share;
    li.amount_discount = share;
    li.amount_total = (li.amount_subtotal ?? 0) - share;
  }
  session.amount_subtotal = subtotal;
  session.amount_total = subtotal - totalDiscount;
  session.total_details = { amount_discount: totalDiscount, amount_shipping: 0, amount_tax: 0 };
  const customer =
    typeof session.customer === 'string' ? ctx.store.get<Customer>(session.customer) : undefined;
  applySessionTax(ctx, session, lines, taxAddress ?? customer?.address);
}

export interface CompleteOptions extends BillingInput {
  card?: string;
  promotionCode?: string;
  email?: string;
}

export type CompleteResult = { ok: true; redirect: string } | { ok: false; error: CardFailure };

const fail = (error: CardFailure): CompleteResult => ({ ok: false, error });

function resolveCustomer(ctx: Ctx, session: Session, email: string | undefined, now: number): Customer {
  if (typeof session.customer === 'string') return ctx.store.get<Customer>(session.customer)!;
  return createCustomer(ctx, { email: session.customer_email ?? email ?? null }, now);
}

const idOfCustomer = (session: Session): string | null =>
  typeof session.customer === 'string' ? session.customer : null;

/** Submit the hosted checkout form: charge/attach the card, create subscription or payment, emit events. */
export function completeCheckout(ctx: Ctx, sessionId: string, opts: CompleteOptions): CompleteResult {
  const session = ctx.store.get<Session>(sessionId);
  if (!session || session.object !== 'checkout.session') {
    return fail({ code: 'resource_missing', message: `No such checkout.session: '${sessionId}'` });
  }
  if (session.status !== 'open') {
    return fail({ code: 'checkout_session_not_open', message: 'This Checkout Session is no longer active.' });
  }
  const card = lookupCard(opts.card ?? '4242424242424242');
  if (!card) return fail(INCORRECT_NUMBER);
  const declined = (failure: CardFailure): CompleteResult => {
    recordDeclinedCheckoutAttempt(ctx, session, failure, nowForCustomer(ctx.store, idOfCustomer(session)));
    return fail(failure);
  };
  if (card.outcome === 'decline') return declined(DECLINED);
  if (session.mode === 'setup') return completeSetup(ctx, session, card, opts);
  if (card.outcome === 'authentication_failure') return declined(AUTH_FAILED);

  const extras = ctx.store.internal.sessionExtras[session.id] ?? { subscriptionMetadata: {} };
  let coupon = extras.couponId ? ctx.store.get<Coupon>(extras.couponId) : undefined;
  let promo = extras.promotionCodeId
    ? ctx.store.get<Obj<Stripe.PromotionCode>>(extras.promotionCodeId)
    : undefined;
  if (opts.promotionCode) {
    if (!session.allow_promotion_codes) {
      return fail({
        code: 'promotion_code_not_allowed',
        message: 'Promotion codes are not enabled for this session.',
      });
    }
    const found = findPromotionCode(ctx, opts.promotionCode);
    if (!found) return fail({ code: 'promotion_code_invalid', message: 'This code is invalid.' });
    ({ promo, coupon } = found);
  }
  const billing = collectBilling(ctx, session, opts);
  if (billing.error) return fail({ code: 'billing_details_required', message: billing.error });
  const before = snapshot(session) as StoredObject;
  computeSessionTotals(ctx, session, coupon, billing.address);
  const amount = session.amount_total ?? 0;
  const now = nowForCustomer(ctx.store, typeof session.customer === 'string' ? session.customer : null);

  // A card that attaches but cannot be charged fails right away when money is due now (nothing is created).
  if (amount > 0 && card.outcome === 'attach_then_fail') {
    Object.assign(session, before);
    return declined(DECLINED);
  }
  const customer = resolveCustomer(ctx, session, opts.email, now);
  const pm = createPaymentMethod(ctx, card, customer.id, now);
  ctx.events.emit('payment_method.attached', pm, { created: now });
  customer.invoice_settings = { ...customer.invoice_settings!, default_payment_method: pm.id };

  const discount = coupon
    ? createDiscount(ctx, coupon, promo, { customer: customer.id, checkout_session: session.id }, now)
    : undefined;
  if (coupon) redeem(coupon, promo);
  session.customer = customer.id;
  saveBilling(ctx, session, customer, billing.address, opts, now);
  session.discounts = coupon ? [{ coupon: coupon.id, promotion_code: promo?.id ?? null }] : [];

  let disputeCharge: Obj<Stripe.Charge> | undefined;
  if (session.mode === 'subscription') {
    const lines = sessionLineItems(ctx, session.id).map((li) => ({
      price: li.price as Price,
      quantity: li.quantity ?? undefined,
    }));
    const { sub } = createSubscription(ctx, {
      customer: customer.id,
      lines,
      currency: session.currency ?? 'usd',
      trialDays: extras.trialDays,
      metadata: { ...extras.subscriptionMetadata },
      discount,
      paymentMethod: pm.id,
      now,
      automaticTax: session.automatic_tax?.enabled ?? false,
    });
    session.subscription = sub.id;
    session.invoice = typeof sub.latest_invoice === 'string' ? sub.latest_invoice : null;
    session.payment_status = amount > 0 ? 'paid' : 'no_payment_required';
  } else if (amount > 0) {
    const result = chargeCard(ctx, {
      customer: customer.id,
      paymentMethod: pm.id,
      amount,
      currency: session.currency ?? 'usd',
      description: null,
      metadata: session.metadata ?? {},
      now,
      setupFutureUsage: extras.setupFutureUsage,
    });
    session.payment_intent = result.paymentIntent.id;
    session.payment_status = 'paid';
    disputeCharge = result.charge;
  } else {
    session.payment_status = 'no_payment_required';
  }
  session.status = 'complete';
  session.url = null;
  ctx.events.emit('checkout.session.completed', session, { created: now });
  if (disputeCharge) maybeOpenDispute(ctx, disputeCharge, now);
  const redirect = (session.success_url ?? ctx.baseUrl()).replace('{CHECKOUT_SESSION_ID}', session.id);
  return { ok: true, redirect };
}

/**
 * A setup-mode session: the card is saved on the customer for later (a SetupIntent that succeeded), nothing is
 * charged. A 3-D Secure card (4000002760003184) passes here, as if the customer authenticated on the page: it is
 * saved, and later off-session payments with it fail with `authentication_required`.
 */
function completeSetup(ctx: Ctx, session: Session, card: TestCard, opts: CompleteOptions): CompleteResult {
  const now = nowForCustomer(ctx.store, idOfCustomer(session));
  const customer = resolveCustomer(ctx, session, opts.email, now);
  const pm = createPaymentMethod(ctx, card, customer.id, now);
  ctx.events.emit('payment_method.attached', pm, { created: now });
  const extras = ctx.store.internal.sessionExtras[session.id];
  const setupIntent = createSucceededSetupIntent(ctx, {
    customer: customer.id,
    paymentMethod: pm.id,
    metadata: extras?.setupIntentMetadata ?? {},
    now,
  });
  session.customer = customer.id;
  session.setup_intent = setupIntent.id;
  session.payment_status = 'no_payment_required';
  session.status = 'complete';
  session.url = null;
  ctx.events.emit('checkout.session.completed', session, { created: now });
  const redirect = (session.success_url ?? ctx.baseUrl()).replace('{CHECKOUT_SESSION_ID}', session.id);
  return { ok: true, redirect };
}
