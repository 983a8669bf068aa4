import type Stripe from 'stripe';
import type { Charge, PaymentIntent } from '../engine/payments';
import { ApiError, invalidRequest, missingParam } from '../errors';
import { chargeCard, confirmOnSession } from '../engine/payments';
import { snapshot } from '../store';
import { nowForCustomer } from '../time';
import { idOf, newId } from '../ids';
import { matchesRange } from '../list';
import { mergeMetadata, Params } from '../params';
import { respond, type ApiRequest, type Router } from '../router';
import { realNow } from '../time';
import type { Obj } from '../types';
import { listResponse, mutateWithEvent, retrieveResponse } from './helpers';

type Refund = Obj<Stripe.Refund>;
type Dispute = Obj<Stripe.Dispute>;
type PaymentMethod = Obj<Stripe.PaymentMethod>;

/** payment_intents, charges and payment_methods (read), refunds and disputes. */
export function registerPayments(router: Router): void {
  router.add('GET', '/v1/payment_intents', (req) =>
    listResponse<PaymentIntent>(req, 'payment_intent', ['customer', 'created'], (o, p) => {
      const customer = p.str('customer');
      return (!customer || o.customer === customer) && matchesRange(o.created ?? 0, p, 'created');
    }),
  );
  // An off-session payment with a saved card (auto top-up): created and confirmed at once.
  router.add('POST', '/v1/payment_intents', (req) => {
    const p = new Params(req.body, [
      'amount',
      'currency',
      'customer',
      'payment_method',
      'off_session',
      'confirm',
      'description',
      'metadata',
      'expand',
      'payment_method_types',
      'statement_descriptor',
    ]);
    const { ctx } = req;
    const amount = p.int('amount');
    if (amount === undefined) throw missingParam('amount');
    if (amount < 1) throw invalidRequest('Amount must be at least 1.', 'amount', 'amount_too_small');
    const currency = p.str('currency')?.toLowerCase();
    if (!currency) throw missingParam('currency');
    const customerId = p.str('customer');
    if (!customerId) throw missingParam('customer');
    ctx.store.require<Obj<Stripe.Customer>>(customerId, 'customer', 'customer', 'customer');
    if (!p.bool('confirm'))
      throw invalidRequest('The emulator creates PaymentIntents with `confirm=true` only.', 'confirm');
    const pmId = p.str('payment_method');
    if (!pmId) throw missingParam('payment_method');
    const pm = ctx.store.require<PaymentMethod>(pmId, 'payment_method', 'payment_method', 'payment_method');
    if (idOf(pm.customer) !== customerId)
      throw invalidRequest(
        `The provided PaymentMethod ${pm.id} does not belong to the customer ${customerId}.`,
        'payment_method',
      );
    const result = chargeCard(ctx, {
      customer: customerId,
      paymentMethod: pm.id,
      amount,
      currency,
      description: p.str('description') ?? null,
      metadata: p.map('metadata') ?? {},
      now: nowForCustomer(ctx.store, customerId),
      offSession: p.bool('off_session') ?? false,
    });
    if (result.failure) {
      const f = result.failure;
      throw new ApiError(402, 'card_error', f.message, {
        code: f.code,
        decline_code: f.decline_code,
        payment_intent: snapshot(result.paymentIntent),
        payment_method: snapshot(pm),
      });
    }
    return respond(ctx, result.paymentIntent, p);
  });
  // On-session confirmation (the customer is there): a 3-D Secure card gets a hosted authentication step.
  router.add('POST', '/v1/payment_intents/:id/confirm', (req) => {
    const p = new Params(req.body, [
      'payment_method',
      'return_url',
      'off_session',
      'expand',
      'use_stripe_sdk',
    ]);
    const { ctx } = req;
    const pi = ctx.store.require<PaymentIntent>(req.pathParams.id, 'payment_intent', 'payment_intent');
    if (pi.status !== 'requires_payment_method' && pi.status !== 'requires_confirmation')
      throw invalidRequest(
        `You cannot confirm this PaymentIntent because it has a status of ${pi.status}.`,
        undefined,
        'payment_intent_unexpected_state',
      );
    const pmId =
      p.str('payment_method') || idOf(pi.payment_method) || idOf(pi.last_payment_error?.payment_method);
    if (!pmId) throw missingParam('payment_method');
    ctx.store.require<PaymentMethod>(pmId, 'payment_method', 'payment_method', 'payment_method');
    confirmOnSession(
      ctx,
      pi,
      pmId,
      p.str('return_url') ?? null,
      nowForCustomer(ctx.store, idOf(pi.customer) || null),
    );
    return respond(ctx, pi, p);
  });
  router.add('GET', '/v1/payment_intents/:id', (req) =>
    retrieveResponse(req, 'payment_intent', 'payment_intent'),
  );
  router.add('GET', '/v1/charges', (req) =>
    listResponse<Charge>(req, 'charge', ['customer', 'payment_intent', 'created'], (o, p) => {
      const customer = p.str('customer');
      const pi = p.str('payment_intent');
      return (
        (!customer || o.customer === customer) &&
        (!pi || o.payment_intent === pi) &&
        matchesRange(o.created ?? 0, p, 'created')
      );
    }),
  );
  router.add('GET', '/v1/charges/:id', (req) => retrieveResponse(req, 'charge', 'charge'));
  router.add('GET', '/v1/payment_methods/:id', (req) =>
    retrieveResponse(req, 'payment_method', 'payment_method'),
  );
  // A customer's saved cards (attached payment methods), newest first.
  const cardsOf = (req: ApiRequest, customer: string | undefined) =>
    listResponse<PaymentMethod>(req, 'payment_method', ['customer', 'type'], (o, p) => {
      const type = p.str('type');
      return !!customer && o.customer === customer && (!type || o.type === type);
    });
  router.add('GET', '/v1/payment_methods', (req) => {
    const customer = req.body.customer;
    return cardsOf(req, typeof customer === 'string' ? customer : undefined);
  });
  router.add('GET', '/v1/customers/:id/payment_methods', (req) => {
    req.ctx.store.require<Obj<Stripe.Customer>>(req.pathParams.id, 'customer', 'customer');
    return cardsOf(req, req.pathParams.id);
  });
  // Detach: the card is no longer the customer's (nor their invoice default), as Stripe does.
  router.add('POST', '/v1/payment_methods/:id/detach', (req) => {
    const p = new Params(req.body, ['expand']);
    const { ctx } = req;
    const pm = ctx.store.require<PaymentMethod>(req.pathParams.id, 'payment_method', 'payment_method');
    const customerId = idOf(pm.customer);
    if (!customerId)
      throw invalidRequest(
        `The payment method you provided is not attached to a customer so detachment is impossible.`,
      );
    const customer = ctx.store.get<Obj<Stripe.Customer>>(customerId);
    if (customer && idOf(customer.invoice_settings?.default_payment_method) === pm.id)
      mutateWithEvent(ctx, 'customer.updated', customer, () => {
        customer.invoice_settings = { ...customer.invoice_settings!, default_payment_method: null };
      });
    pm.customer = null;
    ctx.events.emit('payment_method.detached', pm, { previous: { customer: customerId } });
    return respond(ctx, pm, p);
  });
  router.add('GET', '/v1/setup_intents/:id', (req) => retrieveResponse(req, 'setup_intent', 'setup_intent'));

  router.add('POST', '/v1/refunds', (req) => {
    const p = new Params(req.body, [
      'payment_intent',
      'charge',
      'amount',
      'reason',
      'metadata',
      'expand',
      'instructions_email',
    ]);
    const { ctx } = req;
    let chargeId = p.str('charge');
    const piId = p.str('payment_intent');
    if (!chargeId && !piId) throw missingParam('charge');
    if (piId) {
      const pi = ctx.store.require<PaymentIntent>(piId, 'payment_intent', 'payment_intent', 'payment_intent');
      if (pi.status !== 'succeeded')
        throw invalidRequest(
          `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
          'payment_intent',
        );
      chargeId = idOf(pi.latest_charge);
    }
    const charge = ctx.store.require<Charge>(chargeId ?? '', 'charge', 'charge', 'charge');
    const remaining = (charge.amount ?? 0) - (charge.amount_refunded ?? 0);
    if (remaining <= 0)
      throw invalidRequest(
        `Charge ${charge.id} has already been refunded.`,
        'charge',
        'charge_already_refunded',
      );
    const amount = p.int('amount') ?? remaining;
    if (amount <= 0 || amount > remaining) {
      throw invalidRequest(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
        'amount',
        'amount_too_large',
      );
    }
    const now = realNow();
    const refund: Refund = {
      id: newId('re'),
      object: 'refund',
      amount,
      balance_transaction: newId('txn'),
      charge: charge.id,
      created: now,
      currency: charge.currency ?? 'usd',
      customer: idOf(charge.customer) || null,
      customer_account: null,
      metadata: p.map('metadata') ?? {},
      payment_intent: idOf(charge.payment_intent) || null,
      payment_method: idOf(charge.payment_method) || null,
      reason: p.oneOf('reason', ['duplicate', 'fraudulent', 'requested_by_customer']) ?? null,
      receipt_number: null,
      source_transfer_reversal: null,
      status: 'succeeded',
      transfer_reversal: null,
    };
    ctx.store.insert(refund);
    mutateWithEvent(ctx, 'charge.refunded', charge, () => {
      charge.amount_refunded = (charge.amount_refunded ?? 0) + amount;
      charge.refunded = charge.amount_refunded === charge.amount;
    });
    ctx.events.emit('refund.created', refund);
    return respond(ctx, refund, p);
  });
  router.add('GET', '/v1/refunds', (req) =>
    listResponse<Refund>(req, 'refund', ['charge', 'payment_intent', 'created'], (o, p) => {
      const charge = p.str('charge');
      const pi = p.str('payment_intent');
      return (
        (!charge || o.charge === charge) &&
        (!pi || o.payment_intent === pi) &&
        matchesRange(o.created ?? 0, p, 'created')
      );
    }),
  );
  router.add('GET', '/v1/refunds/:id', (req) => retrieveResponse(req, 'refund', 'refund'));

  router.add('GET', '/v1/disputes', (req) =>
    listResponse<Dispute>(req, 'dispute', ['charge', 'payment_intent', 'created'], (o, p) => {
      const charge = p.str('charge');
      const pi = p.str('payment_intent');
      return (
        (!charge || o.charge === charge) &&
        (!pi || o.payment_intent === pi) &&
        matchesRange(o.created ?? 0, p, 'created')
      );
    }),
  );
  router.add('GET', '/v1/disputes/:id', (req) => retrieveResponse(req, 'dispute', 'dispute'));
  /** Stripe's test-mode convention: evidence `winning_evidence` wins the dispute, `losing_evidence` loses it. */
  router.add('POST', '/v1/disputes/:id', (req) => {
    const p = new Params(req.body, ['evidence', 'metadata', 'submit', 'expand']);
    const dispute = req.ctx.store.require<Dispute>(req.pathParams.id, 'dispute', 'dispute');
    const evidence = p.obj('evidence', Object.keys(p.raw.evidence ?? {}));
    const text = evidence?.str('uncategorized_text');
    mutateWithEvent(req.ctx, 'charge.dispute.updated', dispute, () => {
      if (p.has('metadata')) dispute.metadata = mergeMetadata(dispute.metadata, p.map('metadata'));
      if (evidence)
        dispute.evidence = {
          ...(dispute.evidence ?? {}),
          ...evidence.raw,
        } as unknown as Stripe.Dispute.Evidence;
    });
    if (dispute.status === 'needs_response' && (text === 'winning_evidence' || text === 'losing_evidence')) {
      dispute.status = text === 'winning_evidence' ? 'won' : 'lost';
      req.ctx.events.emit('charge.dispute.closed', dispute);
    }
    return respond(req.ctx, dispute, p);
  });
  router.add('POST', '/v1/disputes/:id/close', (req) => {
    const p = new Params(req.body, ['expand']);
    const dispute = req.ctx.store.require<Dispute>(req.pathParams.id, 'dispute', 'dispute');
    if (dispute.status === 'won' || dispute.status === 'lost')
      throw invalidRequest('This dispute is already closed.');
    dispute.status = 'lost';
    req.ctx.events.emit('charge.dispute.closed', dispute);
    return respond(req.ctx, dispute, p);
  });
}
