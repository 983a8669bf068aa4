import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';

export interface CheckoutSessionFields {
  id?: string;
  mode: 'payment' | 'subscription';
  userId: string;
  customer: string;
  priceId: string;
  quantity?: number;
  paymentIntent?: string;
  subscription?: string;
  amountTotal?: number;
  status?: Stripe.Checkout.Session.Status;
  paymentStatus?: Stripe.Checkout.Session.PaymentStatus;
}

/** A Stripe checkout session with its line items expanded, as fulfilment reads it. */
export function stripeCheckoutSession(f: CheckoutSessionFields): Stripe.Checkout.Session {
  const id = f.id ?? `cs_test_${randomBytes(8).toString('hex')}`;
  return {
    id,
    object: 'checkout.session',
    mode: f.mode,
    status: f.status ?? 'complete',
    payment_status: f.paymentStatus ?? 'paid',
    client_reference_id: f.userId,
    metadata: { user_id: f.userId },
    customer: f.customer,
    currency: 'usd',
    amount_total: f.amountTotal ?? 999,
    payment_intent: f.mode === 'payment' ? (f.paymentIntent ?? `pi_${randomBytes(6).toString('hex')}`) : null,
    subscription: f.subscription ?? null,
    line_items: {
      object: 'list',
      data: [{ price: { id: f.priceId }, quantity: f.quantity ?? 1 }],
    },
  } as unknown as Stripe.Checkout.Session;
}
