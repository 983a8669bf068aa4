import type Stripe from 'stripe';
import type { Ctx } from '../ctx';
import { newId, randomToken } from '../ids';
import { AUTH_FAILED, DECLINED, lookupCard, type CardFailure, type TestCard } from '../test-cards';
import type { Obj } from '../types';
import { unmodelled } from '../unmodelled';

export type PaymentIntent = Obj<Stripe.PaymentIntent>;
export type Charge = Obj<Stripe.Charge>;

/** Create a card payment method (pm_) for a test card and remember the number privately. */
export function createPaymentMethod(
  ctx: Ctx,
  card: TestCard,
  customerId: string,
  now: number,
): Obj<Stripe.PaymentMethod> {
  const pm: Obj<Stripe.PaymentMethod> = {
    id: newId('pm'),
    object: 'payment_method',
    type: 'card',
    created: now,
    customer: customerId,
    livemode: false,
    metadata: {},
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    card: {
      brand: card.brand,
      country: card.country,
      exp_month: 12,
      exp_year: new Date(now * 1000).getUTCFullYear() + 3,
      funding: card.funding,
      last4: card.number.slice(-4),
      display_brand: card.brand,
    } as Stripe.PaymentMethod.Card,
  };
  ctx.store.insert(pm);
  ctx.store.internal.cards[pm.id] = card.number;
  return pm;
}

/** What would charging this payment method do right now? */
export function chargeOutcome(ctx: Ctx, paymentMethodId: string | null | undefined): CardFailure | undefined {
  const number = paymentMethodId ? ctx.store.internal.cards[paymentMethodId] : undefined;
  const card = number ? lookupCard(number) : undefined;
  if (!card) return DECLINED;
  if (card.outcome === 'decline' || card.outcome === 'attach_then_fail') return DECLINED;
  if (card.outcome === 'authentication_failure') return AUTH_FAILED;
  return undefined;
}

export interface ChargeInput {
  customer: string | null;
  paymentMethod: string;
  amount: number;
  currency: string;
  description: string | null;
  metadata?: Record<string, string>;
  now: number;
  /** Checkout's `payment_intent_data[setup_future_usage]`: recorded on the PaymentIntent. */
  setupFutureUsage?: 'on_session' | 'off_session';
  /** An off-session payment (the customer is not there to authenticate). */
  offSession?: boolean;
  /** The customer passed the card's 3-D Secure step on a hosted page: such a card is charged. */
  authenticated?: boolean;
}

export interface ChargeResult {
  paymentIntent: PaymentIntent;
  charge: Charge;
  failure?: CardFailure;
}

/** Confirm a PaymentIntent with a card: creates pi_ + ch_ and emits payment_intent.* and charge.* events. */
export function chargeCard(ctx: Ctx, input: ChargeInput): ChargeResult {
  const outcome = input.offSession
    ? offSessionOutcome(ctx, input.paymentMethod)
    : chargeOutcome(ctx, input.paymentMethod);
  const failure = input.authenticated && outcome === AUTH_FAILED ? undefined : outcome;
  const pm = ctx.store.get<Obj<Stripe.PaymentMethod>>(input.paymentMethod);
  const piId = newId('pi');
  const charge: Charge = {
    ...unmodelled('charge'),
    id: newId('ch'),
    object: 'charge',
    amount: input.amount,
    amount_captured: failure ? 0 : input.amount,
    amount_refunded: 0,
    balance_transaction: failure ? null : newId('txn'),
    billing_details: { address: null, email: null, name: null, phone: null, tax_id: null },
    captured: !failure,
    created: input.now,
    currency: input.currency,
    customer: input.customer,
    description: input.description,
    disputed: false,
    failure_code: failure?.code ?? null,
    failure_message: failure?.message ?? null,
    livemode: false,
    metadata: input.metadata ?? {},
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: failure ? 'declined_by_network' : 'approved_by_network',
      reason: failure?.decline_code ?? null,
      risk_level: 'normal',
      seller_message: failure
        ? 'The bank did not return any further details with this decline.'
        : 'Payment complete.',
      type: failure ? 'issuer_declined' : 'authorized',
    },
    paid: !failure,
    payment_intent: piId,
    payment_method: input.paymentMethod,
    payment_method_details: {
      type: 'card',
      card: {
        brand: pm?.card?.brand ?? 'visa',
        last4: pm?.card?.last4 ?? '4242',
      } as Stripe.Charge.PaymentMethodDetails.Card,
    },
    receipt_url: `${ctx.baseUrl()}/receipts/${piId}`,
    refunded: false,
    status: failure ? 'failed' : 'succeeded',
  };
  const paymentIntent: PaymentIntent = {
    ...unmodelled('payment_intent'),
    id: piId,
    object: 'payment_intent',
    amount: input.amount,
    amount_capturable: 0,
    amount_received: failure ? 0 : input.amount,
    capture_method: 'automatic',
    client_secret: `${piId}_secret_${randomToken(24)}`,
    confirmation_method: 'automatic',
    created: input.now,
    currency: input.currency,
    customer: input.customer,
    description: input.description,
    last_payment_error: failure
      ? {
          type: 'card_error',
          code: failure.code,
          decline_code: failure.decline_code,
          message: failure.message,
          charge: charge.id,
          payment_method: (pm as Stripe.PaymentMethod | undefined) ?? undefined,
        }
      : null,
    latest_charge: charge.id,
    livemode: false,
    metadata: input.metadata ?? {},
    payment_method: failure ? null : input.paymentMethod,
    payment_method_types: ['card'],
    setup_future_usage: input.setupFutureUsage ?? null,
    status: failure ? 'requires_payment_method' : 'succeeded',
  };
  ctx.store.insert(paymentIntent);
  ctx.store.insert(charge);
  if (failure) {
    ctx.events.emit('charge.failed', charge, { created: input.now });
    ctx.events.emit('payment_intent.payment_failed', paymentIntent, { created: input.now });
  } else {
    ctx.events.emit('payment_intent.succeeded', paymentIntent, { created: input.now });
    ctx.events.emit('charge.succeeded', charge, { created: input.now });
  }
  return { paymentIntent, charge, failure };
}

/**
 * A payment-mode Checkout attempt the card issuer refused: like Stripe, the session's PaymentIntent is left in
 * `requires_payment_method` with `last_payment_error`, so the integration can tell the customer why (no charge).
 */
export function recordDeclinedCheckoutAttempt(
  ctx: Ctx,
  session: Obj<Stripe.Checkout.Session>,
  failure: CardFailure,
  now: number,
): void {
  if (session.mode !== 'payment') return;
  const error = {
    type: 'card_error' as const,
    code: failure.code,
    decline_code: failure.decline_code,
    message: failure.message,
  };
  const existing =
    typeof session.payment_intent === 'string'
      ? ctx.store.get<PaymentIntent>(session.payment_intent)
      : undefined;
  if (existing) {
    existing.last_payment_error = error;
    return;
  }
  const piId = newId('pi');
  const paymentIntent: PaymentIntent = {
    ...unmodelled('payment_intent'),
    id: piId,
    object: 'payment_intent',
    amount: session.amount_total ?? 0,
    amount_capturable: 0,
    amount_received: 0,
    capture_method: 'automatic',
    client_secret: `${piId}_secret_${randomToken(24)}`,
    confirmation_method: 'automatic',
    created: now,
    currency: session.currency ?? 'usd',
    customer: typeof session.customer === 'string' ? session.customer : null,
    description: null,
    last_payment_error: error,
    latest_charge: null,
    livemode: false,
    metadata: session.metadata ?? {},
    payment_method: null,
    payment_method_types: ['card'],
    status: 'requires_payment_method',
  };
  ctx.store.insert(paymentIntent);
  session.payment_intent = piId;
}

/** Cards like 4000000000000259 get disputed after a successful charge. */
export function maybeOpenDispute(ctx: Ctx, charge: Charge, now: number): void {
  const number =
    typeof charge.payment_method === 'string' ? ctx.store.internal.cards[charge.payment_method] : undefined;
  if (!number || lookupCard(number)?.outcome !== 'dispute' || charge.status !== 'succeeded') return;
  const dispute: Obj<Stripe.Dispute> = {
    id: newId('dp'),
    object: 'dispute',
    amount: charge.amount,
    balance_transactions: [],
    charge: charge.id,
    created: now,
    currency: charge.currency,
    evidence_details: {
      due_by: now + 7 * 86_400,
      has_evidence: false,
      past_due: false,
      submission_count: 0,
    } as Stripe.Dispute.EvidenceDetails,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: typeof charge.payment_intent === 'string' ? charge.payment_intent : null,
    reason: 'fraudulent',
    status: 'needs_response',
  };
  ctx.store.insert(dispute);
  charge.disputed = true;
  ctx.events.emit('charge.dispute.created', dispute, { created: now });
}

export type SetupIntent = Obj<Stripe.SetupIntent>;

/** A SetupIntent that saved a card for off-session use (setup-mode Checkout); emits setup_intent.succeeded. */
export function createSucceededSetupIntent(
  ctx: Ctx,
  input: { customer: string; paymentMethod: string; metadata: Record<string, string>; now: number },
): SetupIntent {
  const id = newId('seti');
  const setupIntent: SetupIntent = {
    ...unmodelled('setup_intent'),
    id,
    object: 'setup_intent',
    application: null,
    automatic_payment_methods: null,
    cancellation_reason: null,
    client_secret: `${id}_secret_${randomToken(24)}`,
    created: input.now,
    customer: input.customer,
    description: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: input.paymentMethod,
    payment_method_types: ['card'],
    single_use_mandate: null,
    status: 'succeeded',
    usage: 'off_session',
  };
  ctx.store.insert(setupIntent);
  ctx.events.emit('setup_intent.created', setupIntent, { created: input.now });
  ctx.events.emit('setup_intent.succeeded', setupIntent, { created: input.now });
  return setupIntent;
}

export const AUTHENTICATION_REQUIRED: CardFailure = {
  code: 'authentication_required',
  decline_code: 'authentication_required',
  message: 'Your card was declined. This transaction requires authentication.',
};

/**
 * What an off-session charge of this card does: a 3-D Secure card (4000002760003184) cannot be authenticated
 * without the customer, so it fails with `authentication_required` (the PaymentIntent goes back to
 * `requires_payment_method`, as Stripe's does); declining cards decline; others succeed.
 */
export function offSessionOutcome(ctx: Ctx, paymentMethodId: string): CardFailure | undefined {
  const number = ctx.store.internal.cards[paymentMethodId];
  const card = number ? lookupCard(number) : undefined;
  if (card?.outcome === 'authentication_failure') return AUTHENTICATION_REQUIRED;
  return chargeOutcome(ctx, paymentMethodId);
}

/**
 * Confirm an existing PaymentIntent on-session with a card (`POST /v1/payment_intents/:id/confirm`). A 3-D Secure
 * card needs the customer: the PaymentIntent goes to `requires_action` with a hosted authentication page
 * (`next_action.redirect_to_url`) and `payment_intent.requires_action`; other cards are charged at once.
 */
export function confirmOnSession(
  ctx: Ctx,
  pi: PaymentIntent,
  paymentMethodId: string,
  returnUrl: string | null,
  now: number,
): void {
  const number = ctx.store.internal.cards[paymentMethodId];
  const card = number ? lookupCard(number) : undefined;
  pi.payment_method = paymentMethodId;
  if (card?.outcome === 'authentication_failure') {
    pi.status = 'requires_action';
    pi.next_action = {
      type: 'redirect_to_url',
      redirect_to_url: { url: `${ctx.baseUrl()}/authenticate/${pi.id}`, return_url: returnUrl },
    };
    ctx.events.emit('payment_intent.requires_action', pi, { created: now });
    return;
  }
  settlePaymentIntent(ctx, pi, chargeOutcome(ctx, paymentMethodId), now);
}

/**
 * The hosted authentication step of a `requires_action` PaymentIntent: passed, the card is charged (a new
 * charge, `payment_intent.succeeded`); failed, it returns to `requires_payment_method` with
 * `payment_intent_authentication_failure` (`payment_intent.payment_failed`).
 */
export function authenticatePaymentIntent(ctx: Ctx, pi: PaymentIntent, passed: boolean, now: number): void {
  pi.next_action = null;
  settlePaymentIntent(ctx, pi, passed ? undefined : AUTH_FAILED, now);
}

function settlePaymentIntent(
  ctx: Ctx,
  pi: PaymentIntent,
  failure: CardFailure | undefined,
  now: number,
): void {
  const pmId = typeof pi.payment_method === 'string' ? pi.payment_method : (pi.payment_method?.id ?? '');
  const pm = ctx.store.get<Obj<Stripe.PaymentMethod>>(pmId);
  const charge: Charge = {
    ...(ctx.store.get<Charge>(typeof pi.latest_charge === 'string' ? pi.latest_charge : '') ??
      unmodelled('charge')),
    id: newId('ch'),
    object: 'charge',
    amount: pi.amount,
    amount_captured: failure ? 0 : pi.amount,
    amount_refunded: 0,
    balance_transaction: failure ? null : newId('txn'),
    captured: !failure,
    created: now,
    currency: pi.currency,
    customer: typeof pi.customer === 'string' ? pi.customer : null,
    disputed: false,
    failure_code: failure?.code ?? null,
    failure_message: failure?.message ?? null,
    livemode: false,
    metadata: pi.metadata ?? {},
    paid: !failure,
    payment_intent: pi.id,
    payment_method: pmId,
    payment_method_details: {
      type: 'card',
      card: {
        brand: pm?.card?.brand ?? 'visa',
        last4: pm?.card?.last4 ?? '4242',
      } as Stripe.Charge.PaymentMethodDetails.Card,
    },
    refunded: false,
    status: failure ? 'failed' : 'succeeded',
  };
  ctx.store.insert(charge);
  pi.latest_charge = charge.id;
  pi.amount_received = failure ? 0 : pi.amount;
  pi.status = failure ? 'requires_payment_method' : 'succeeded';
  pi.last_payment_error = failure
    ? {
        type: 'card_error',
        code: failure.code,
        decline_code: failure.decline_code,
        message: failure.message,
        charge: charge.id,
      }
    : null;
  if (failure) {
    ctx.events.emit('charge.failed', charge, { created: now });
    ctx.events.emit('payment_intent.payment_failed', pi, { created: now });
  } else {
    ctx.events.emit('payment_intent.succeeded', pi, { created: now });
    ctx.events.emit('charge.succeeded', charge, { created: now });
  }
}
