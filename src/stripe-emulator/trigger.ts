/*
 * `npm run stripe:trigger -- <event>` (or `ts-node --transpile-only src/stripe-emulator/trigger.ts <event>`):
 * creates, through the API of a running emulator (STRIPE_API_URL, default http://127.0.0.1:12111), the objects
 * needed for <event> to fire. Test mode only — NO REAL MONEY MOVES.
 */
import Stripe from 'stripe';
import { idOf } from './ids';
import { parseStripeApiUrl } from './index';

export const TRIGGERABLE = [
  'checkout.session.completed',
  'payment_intent.succeeded',
  'invoice.paid',
  'invoice.payment_failed',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'charge.refunded',
  'charge.dispute.created',
] as const;
export type TriggerableEvent = (typeof TRIGGERABLE)[number];

const DAY = 86_400;

/** Submit the hosted checkout form like a browser would. */
async function pay(session: Stripe.Checkout.Session, card: string): Promise<void> {
  const res = await fetch(session.url!, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ card_number: card, email: 'trigger@example.com' }).toString(),
    redirect: 'manual',
  });
  if (res.status !== 303) throw new Error(`checkout form failed with HTTP ${res.status}`);
}

async function paymentCheckout(stripe: Stripe, card = '4242424242424242'): Promise<Stripe.Checkout.Session> {
  const price = await stripe.prices.create({
    currency: 'usd',
    unit_amount: 500,
    product_data: { name: 'Trigger credit pack' },
  });
  const session = await stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ price: price.id, quantity: 1 }],
    success_url: 'http://localhost/success?session_id={CHECKOUT_SESSION_ID}',
    metadata: { source: 'stripe:trigger' },
  });
  await pay(session, card);
  return stripe.checkout.sessions.retrieve(session.id);
}

async function subscriptionCheckout(
  stripe: Stripe,
  opts: { trialDays?: number; card?: string; testClock?: string } = {},
): Promise<Stripe.Subscription> {
  const price = await stripe.prices.create({
    currency: 'usd',
    unit_amount: 1000,
    recurring: { interval: 'month' },
    product_data: { name: 'Trigger plan' },
  });
  const customer = await stripe.customers.create({
    email: 'trigger@example.com',
    test_clock: opts.testClock,
  });
  const session = await stripe.checkout.sessions.create({
    mode: 'subscription',
    customer: customer.id,
    line_items: [{ price: price.id, quantity: 1 }],
    success_url: 'http://localhost/success?session_id={CHECKOUT_SESSION_ID}',
    ...(opts.trialDays ? { subscription_data: { trial_period_days: opts.trialDays } } : {}),
  });
  await pay(session, opts.card ?? '4242424242424242');
  const done = await stripe.checkout.sessions.retrieve(session.id);
  return stripe.subscriptions.retrieve(idOf(done.subscription));
}

/** Create the objects that make `event` fire on the emulator at `apiUrl`. Returns a one-line summary. */
export async function trigger(event: string, apiUrl = 'http://127.0.0.1:12111'): Promise<string> {
  const stripe = new Stripe('sk_test_emulator_trigger', {
    ...parseStripeApiUrl(apiUrl),
    maxNetworkRetries: 2,
  });
  switch (event as TriggerableEvent) {
    case 'checkout.session.completed':
    case 'payment_intent.succeeded': {
      const s = await paymentCheckout(stripe);
      return `completed checkout ${s.id} (payment_intent ${idOf(s.payment_intent)})`;
    }
    case 'invoice.paid':
    case 'customer.subscription.created': {
      const sub = await subscriptionCheckout(stripe);
      return `created subscription ${sub.id} (invoice ${idOf(sub.latest_invoice)} paid)`;
    }
    case 'customer.subscription.updated': {
      const sub = await subscriptionCheckout(stripe);
      await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
      return `set cancel_at_period_end on ${sub.id}`;
    }
    case 'customer.subscription.deleted': {
      const sub = await subscriptionCheckout(stripe);
      await stripe.subscriptions.cancel(sub.id);
      return `canceled ${sub.id}`;
    }
    case 'invoice.payment_failed': {
      const now = Math.floor(Date.now() / 1000);
      const clock = await stripe.testHelpers.testClocks.create({ frozen_time: now, name: 'stripe:trigger' });
      const sub = await subscriptionCheckout(stripe, {
        trialDays: 1,
        card: '4000000000000341',
        testClock: clock.id,
      });
      await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: now + DAY + 60 });
      return `trial of ${sub.id} ended on test clock ${clock.id}; renewal charge failed`;
    }
    case 'charge.refunded': {
      const s = await paymentCheckout(stripe);
      const refund = await stripe.refunds.create({ payment_intent: idOf(s.payment_intent) });
      return `refunded ${idOf(s.payment_intent)} (${refund.id})`;
    }
    case 'charge.dispute.created': {
      const s = await paymentCheckout(stripe, '4000000000000259');
      return `payment ${idOf(s.payment_intent)} disputed`;
    }
    default:
      throw new Error(`Unsupported event "${event}". Supported: ${TRIGGERABLE.join(', ')}`);
  }
}

if (require.main === module) {
  const event = process.argv[2];
  if (!event) {
    console.error(`usage: npm run stripe:trigger -- <event>\nevents: ${TRIGGERABLE.join(', ')}`);
    process.exit(2);
  }
  trigger(event, process.env.STRIPE_API_URL ?? 'http://127.0.0.1:12111').then(
    (summary) => console.log(`[stripe:trigger] ${event}: ${summary}`),
    (err: unknown) => {
      console.error(`[stripe:trigger] ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
