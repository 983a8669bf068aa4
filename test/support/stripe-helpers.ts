import type Stripe from 'stripe';
import { stripeConfig, StripeConfig } from '../../src/config/stripe.config';
import { CreditsService } from '../../src/credits/credits.service';
import { STRIPE_CLIENT } from '../../src/stripe/stripe.constants';
import type { TestUser } from '../factories/user.factory';
import { TestApp, waitFor } from './test-app';

export const stripeOf = (t: TestApp): Stripe => t.app.get<Stripe>(STRIPE_CLIENT);
export const webhookSecret = (t: TestApp): string =>
  t.app.get<StripeConfig>(stripeConfig.KEY).webhookSecrets[0];

/** POSTs an event to the webhook exactly as Stripe would (signed with the app's secret unless told). */
export async function deliver(t: TestApp, event: object, opts: { secret?: string; timestamp?: number } = {}) {
  const { payload, header } = t.emulator.createSignedPayload(
    event,
    opts.secret ?? webhookSecret(t),
    opts.timestamp,
  );
  return t
    .http()
    .post('/payments/webhook')
    .set('Content-Type', 'application/json')
    .set('Stripe-Signature', header)
    .send(payload);
}

export async function catalogPrice(t: TestApp, type: 'subscription' | 'one_time', name?: string) {
  const res = await t.http().get(`/payments/products/?product_type=${type}`).expect(200);
  const products = (
    res.body as { products: Array<{ id: string; name: string; price: { price_id: string } }> }
  ).products;
  const product = name ? products.find((p) => p.name === name) : products[0];
  if (!product) throw new Error(`no ${type} product ${name ?? ''}`);
  return { productId: product.id, priceId: product.price.price_id };
}

/** Creates a checkout session straight through the SDK (as the payments routes would) for `user`. */
/** POST /payments/create-checkout-session-onetime for a catalog pack, through HTTP; the session id. */
export async function createPackCheckout(
  t: TestApp,
  user: TestUser,
  pack: { priceId: string; productId: string },
): Promise<string> {
  const created = await t
    .http()
    .post('/payments/create-checkout-session-onetime')
    .set(user.auth)
    .send({ price_id: pack.priceId, product_id: pack.productId })
    .expect(200);
  return (created.body as { session_id: string }).session_id;
}

export async function openCheckout(
  t: TestApp,
  user: TestUser,
  mode: 'payment' | 'subscription',
  priceId: string,
) {
  const stripe = stripeOf(t);
  const customer = await stripe.customers.create({ email: user.email, metadata: { user_id: user.id } });
  await t.dataSource.query('UPDATE users SET customer_id = $2 WHERE id = $1', [user.id, customer.id]);
  return stripe.checkout.sessions.create({
    mode,
    customer: customer.id,
    client_reference_id: user.id,
    metadata: { user_id: user.id },
    line_items: [{ price: priceId, quantity: 1 }],
    ...(mode === 'subscription'
      ? { subscription_data: { trial_period_days: 14, metadata: { user_id: user.id } } }
      : {}),
    success_url: 'http://localhost:3000/payments/success?session_id={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://localhost:3000/payments/cancel',
  });
}

export async function credits(t: TestApp, user: TestUser) {
  return (await t.http().get('/credits').set(user.auth).expect(200)).body as {
    monthly_credits: number;
    purchased_credits: number;
    total_credits: number;
  };
}

export async function waitForCredits(t: TestApp, user: TestUser, total: number) {
  return waitFor(async () => (await credits(t, user)).total_credits === total, `total_credits = ${total}`);
}

export async function eventStatus(
  t: TestApp,
  id: string,
): Promise<{ status: string; attempts: number } | undefined> {
  const rows: Array<{ status: string; attempts: number }> = await t.dataSource.query(
    'SELECT status, attempts FROM webhook_events WHERE id = $1',
    [id],
  );
  return rows[0];
}

/** Every balance equals the sum of its ledger (what `npm run credits:verify` checks). */
export async function expectLedgerConsistent(t: TestApp): Promise<void> {
  const mismatches = await t.app.get(CreditsService).verify();
  if (mismatches.length > 0) throw new Error(`ledger mismatch: ${JSON.stringify(mismatches)}`);
}

/** Settles emulator deliveries and our own processing, so the next assertion sees a quiet system. */
export async function settle(t: TestApp): Promise<void> {
  await t.emulator.whenDeliveriesSettled(15_000);
  await waitFor(async () => {
    const [row]: Array<{ n: number }> = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM webhook_events WHERE status IN ('pending', 'processing')`,
    );
    return row.n === 0;
  }, 'webhook inbox drained');
}

/** How every webhook suite ends a test: deliveries resumed, every stored event settled, the ledger exact. */
export async function settleAndVerify(t: TestApp): Promise<void> {
  t.emulator.resumeDeliveries();
  await settle(t);
  await expectLedgerConsistent(t);
}

export interface LedgerEntry {
  reason: string;
  amount: number;
  bucket: string;
  metadata: Record<string, unknown>;
}

/** The caller's ledger, newest first, as GET /credits/ledger answers (one page of 100). */
export async function ledgerEntries(t: TestApp, user: TestUser): Promise<LedgerEntry[]> {
  const res = await t.http().get('/credits/ledger?limit=100').set(user.auth).expect(200);
  return (res.body as { entries: LedgerEntry[] }).entries;
}

export const ledgerReasons = async (t: TestApp, user: TestUser): Promise<string[]> =>
  (await ledgerEntries(t, user)).map((e) => e.reason);

/** Stripe's events of `types` about one customer, oldest first (auto-paging through the list). */
export async function eventsAbout(t: TestApp, types: string[], customer: string): Promise<Stripe.Event[]> {
  const out: Stripe.Event[] = [];
  for await (const e of stripeOf(t).events.list({ types, limit: 100 })) {
    if ((e.data.object as { customer?: string }).customer === customer) out.push(e);
  }
  return out.reverse(); // the list is newest first
}
