import Stripe from 'stripe';
import { parseStripeApiUrl } from '../../src/stripe-emulator';
import { registerUser, TestUser } from '../factories/user.factory';
import { createTestApp, TestApp, waitFor } from '../support/test-app';
import { NO_OVERAGE } from '../support/credit-shapes';

interface CatalogItem {
  productId: string;
  priceId: string;
}

interface SubscriptionJson {
  has_subscription: true;
  subscription_id: string;
  status: string;
  has_access: boolean;
  plan: {
    name: string;
    full_plan_name: string | null;
    price: string | null;
    unit_amount: number | null;
    currency: string;
    interval: string;
    monthly_credits: number;
  } | null;
  trial_end: string | null;
  last_renew: string | null;
  next_renew: string | null;
  cancel_at_period_end: boolean;
  canceled_at: string | null;
  credits: { monthly_credits: number; purchased_credits: number; total_credits: number };
}

interface SessionStatusJson {
  session_id: string;
  status: string;
  payment_status: string;
  mode: string;
  fulfilled: boolean;
  subscription: SubscriptionJson | null;
  credits: { monthly_credits: number; purchased_credits: number; total_credits: number };
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('payments: subscriptions, portal, invoices (e2e)', () => {
  let t: TestApp;
  let stripe: Stripe;
  let pro: CatalogItem;
  let pack: CatalogItem;

  const catalogItem = async (type: 'subscription' | 'one_time', name: string): Promise<CatalogItem> => {
    const res = await t.http().get(`/payments/products/?product_type=${type}`).expect(200);
    const products = (
      res.body as { products: Array<{ id: string; name: string; price: { price_id: string } }> }
    ).products;
    const product = products.find((p) => p.name === name);
    if (!product) throw new Error(`catalog has no ${type} "${name}": ${JSON.stringify(products)}`);
    return { productId: product.id, priceId: product.price.price_id };
  };

  const startCheckout = (user: TestUser, item: CatalogItem, extra: Record<string, unknown> = {}) =>
    t
      .http()
      .post('/payments/create-checkout-session')
      .set(user.auth)
      .send({ price_id: item.priceId, product_id: item.productId, ...extra });

  const sessionStatus = async (user: TestUser, sessionId: string): Promise<SessionStatusJson> =>
    (await t.http().get(`/payments/checkout-session/${sessionId}`).set(user.auth).expect(200))
      .body as SessionStatusJson;

  const subscription = async (user: TestUser) =>
    (await t.http().get('/payments/get-user-subscription').set(user.auth).expect(200)).body as
      SubscriptionJson | { has_subscription: false; subscription: null };

  /** Registers a user and takes them through a paid checkout of `item`; returns the session status. */
  const subscribe = async (user: TestUser, item: CatalogItem = pro): Promise<SessionStatusJson> => {
    const created = await startCheckout(user, item).expect(200);
    const { session_id } = created.body as { session_id: string };
    expect(await t.emulator.completeCheckout(session_id, { card: '4242424242424242' })).toEqual({ ok: true });
    return sessionStatus(user, session_id);
  };

  const customerOf = async (user: TestUser): Promise<string | null> => {
    const [row]: Array<{ customer_id: string | null }> = await t.dataSource.query(
      'SELECT customer_id FROM users WHERE id = $1',
      [user.id],
    );
    return row.customer_id;
  };

  beforeAll(async () => {
    t = await createTestApp({ env: { FRONTEND_URL: 'https://app.example.com' } });
    stripe = new Stripe('sk_test_x', parseStripeApiUrl(t.emulator.url));
    pro = await catalogItem('subscription', 'Pro Plan');
    pack = await catalogItem('one_time', '100 Credits');
  });
  afterAll(async () => {
    await t.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await t.close();
  });

  describe('create-checkout-session', () => {
    it('rejects ids without the price_/prod_ prefix with 400 VALIDATION_FAILED naming the field', async () => {
      const user = await registerUser(t);
      const bad = await startCheckout(user, { priceId: 'def456', productId: pro.productId }).expect(400);
      expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(bad.body.message).toContain('price_id must be a Stripe price id (starting with price_)');
      const badProduct = await startCheckout(user, { priceId: pro.priceId, productId: 'abc123' }).expect(400);
      expect(badProduct.body.message).toContain(
        'product_id must be a Stripe product id (starting with prod_)',
      );
      const missing = await t
        .http()
        .post('/payments/create-checkout-session')
        .set(user.auth)
        .send({})
        .expect(400);
      expect(missing.body.code).toBe('VALIDATION_FAILED');
      const unknownField = await startCheckout(user, pro, { trial_days: 90 }).expect(400);
      expect(unknownField.body.code).toBe('VALIDATION_FAILED');
      expect(await customerOf(user)).toBeNull();
    });

    it('answers 404 PRICE_NOT_FOUND / PRODUCT_NOT_FOUND for what is not a plan for sale', async () => {
      const user = await registerUser(t);
      const unknown = await startCheckout(user, { priceId: 'price_nope', productId: pro.productId }).expect(
        404,
      );
      expect(unknown.body.code).toBe('PRICE_NOT_FOUND');
      // A credit package is not a plan.
      const notAPlan = await startCheckout(user, pack).expect(404);
      expect(notAPlan.body.code).toBe('PRICE_NOT_FOUND');
      const wrongProduct = await startCheckout(user, {
        priceId: pro.priceId,
        productId: pack.productId,
      }).expect(404);
      expect(wrongProduct.body.code).toBe('PRODUCT_NOT_FOUND');
      expect(await customerOf(user)).toBeNull();
    });

    it('requires a bearer token', async () => {
      const res = await t
        .http()
        .post('/payments/create-checkout-session')
        .send({ price_id: pro.priceId, product_id: pro.productId })
        .expect(401);
      expect(res.body.code).toBe('AUTH_TOKEN_MISSING');
    });

    it('rejects a currency the price is not sold in with 400 UNSUPPORTED_CURRENCY', async () => {
      const user = await registerUser(t);
      const res = await startCheckout(user, pro, { currency: 'gbp' }).expect(400);
      expect(res.body).toMatchObject({
        code: 'UNSUPPORTED_CURRENCY',
        allowed: expect.arrayContaining(['usd', 'eur']),
      });
    });

    it('subscribes with the 14-day trial: session fulfilled, subscription trialing with 100 monthly credits', async () => {
      const user = await registerUser(t);
      const created = await startCheckout(user, pro).expect(200);
      const { checkout_url, session_id } = created.body as { checkout_url: string; session_id: string };
      expect(session_id).toMatch(/^cs_/);
      expect(checkout_url).toMatch(/^https?:\/\//);

      // What Stripe was asked for: the user's own customer, the user id in every reference, the trial, our URLs.
      const customer = await customerOf(user);
      expect(customer).toMatch(/^cus_/);
      const remote = await stripe.checkout.sessions.retrieve(session_id);
      expect(remote).toMatchObject({
        mode: 'subscription',
        customer,
        client_reference_id: user.id,
        metadata: { user_id: user.id },
        currency: 'usd',
        success_url: 'https://app.example.com/payments/success?session_id={CHECKOUT_SESSION_ID}',
        cancel_url: 'https://app.example.com/payments/cancel',
      });

      // Before payment: reported, not fulfilled.
      const before = await sessionStatus(user, session_id);
      expect(before).toMatchObject({
        status: 'open',
        mode: 'subscription',
        fulfilled: false,
        subscription: null,
      });

      expect(await t.emulator.completeCheckout(session_id, { card: '4242424242424242' })).toEqual({
        ok: true,
      });
      const after = await sessionStatus(user, session_id);
      expect(after).toMatchObject({
        session_id,
        status: 'complete',
        mode: 'subscription',
        fulfilled: true,
        credits: { monthly_credits: 100, purchased_credits: 0, total_credits: 100 },
      });
      expect(after.subscription).toMatchObject({
        has_subscription: true,
        status: 'trialing',
        has_access: true,
        cancel_at_period_end: false,
        canceled_at: null,
        plan: {
          name: 'Pro Plan',
          price: '29.99',
          unit_amount: 2999,
          currency: 'usd',
          interval: 'month',
          monthly_credits: 100,
        },
      });
      const trialEnd = Date.parse(after.subscription!.trial_end!);
      expect(trialEnd - Date.now()).toBeGreaterThan(13.9 * 86_400_000);
      expect(trialEnd - Date.now()).toBeLessThan(14.1 * 86_400_000);

      const sub = await subscription(user);
      expect(sub).toMatchObject({
        has_subscription: true,
        subscription_id: after.subscription!.subscription_id,
        status: 'trialing',
        credits: { monthly_credits: 100, total_credits: 100 },
      });
      const live = sub as SubscriptionJson;
      expect(live.last_renew).toMatch(ISO);
      expect(live.next_renew).toMatch(ISO);
      expect(live.trial_end).toMatch(ISO);
      expect(live.subscription_id).toMatch(/^sub_/);
    });

    it('answers 409 SUBSCRIPTION_EXISTS, pointing to change-plan / the portal, while a subscription is live', async () => {
      const user = await registerUser(t);
      await subscribe(user);
      const conflict = await startCheckout(user, pro).expect(409);
      expect(conflict.body.code).toBe('SUBSCRIPTION_EXISTS');
      expect(conflict.body.message).toMatch(/change-plan|portal/);
    });

    it('sees a subscription Stripe already has even before our mirror does (webhook not yet applied)', async () => {
      const user = await registerUser(t);
      const created = await startCheckout(user, pro).expect(200);
      const { session_id } = created.body as { session_id: string };
      t.emulator.pauseDeliveries();
      try {
        expect((await t.emulator.completeCheckout(session_id)).ok).toBe(true);
        // Nothing told us yet (no webhook, no success-page visit): Stripe is asked before a second checkout.
        expect(await subscription(user)).toMatchObject({ has_subscription: false });
        const conflict = await startCheckout(user, pro).expect(409);
        expect(conflict.body.code).toBe('SUBSCRIPTION_EXISTS');
        expect(await subscription(user)).toMatchObject({ has_subscription: true, status: 'trialing' });
      } finally {
        t.emulator.resumeDeliveries();
      }
    });

    it('expires the earlier open checkout when a second tab starts another, so only one can subscribe', async () => {
      const user = await registerUser(t);
      const first = (await startCheckout(user, pro).expect(200)).body as { session_id: string };
      const second = (await startCheckout(user, pro).expect(200)).body as { session_id: string };
      expect(second.session_id).not.toBe(first.session_id);
      expect((await stripe.checkout.sessions.retrieve(first.session_id)).status).toBe('expired');
      expect((await stripe.checkout.sessions.retrieve(second.session_id)).status).toBe('open');
      const stale = await t.emulator.completeCheckout(first.session_id);
      expect(stale.ok).toBe(false);
      expect(stale.error?.code).toBe('checkout_session_not_open');
      expect((await t.emulator.completeCheckout(second.session_id)).ok).toBe(true);
      expect((await sessionStatus(user, second.session_id)).subscription?.status).toBe('trialing');
    });

    it('leaves exactly one open plan checkout when two tabs start one at the same moment', async () => {
      const user = await registerUser(t);
      const answers = await Promise.all([startCheckout(user, pro), startCheckout(user, pro)]);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      const ids = answers.map((a) => (a.body as { session_id: string }).session_id);
      const statuses = await Promise.all(
        ids.map(async (id) => (await stripe.checkout.sessions.retrieve(id)).status),
      );
      expect(statuses.sort()).toEqual(['expired', 'open']);
    });

    it("takes over a crashed replica's expired checkout lease, and leaves no lease behind", async () => {
      const user = await registerUser(t);
      // What a replica killed mid-checkout leaves: its lease row, already past its expiry.
      await t.dataSource.query(
        `INSERT INTO checkout_leases (user_id, token, expires_at) VALUES ($1, gen_random_uuid(), now() - interval '1 second')`,
        [user.id],
      );
      await startCheckout(user, pro).expect(200);
      expect(await t.dataSource.query('SELECT 1 FROM checkout_leases WHERE user_id = $1', [user.id])).toEqual(
        [],
      );
    });

    it('creates one Stripe customer per user even when two checkouts race', async () => {
      const user = await registerUser(t);
      const [a, b] = await Promise.all([
        startCheckout(user, pro),
        t
          .http()
          .post('/payments/create-checkout-session-onetime')
          .set(user.auth)
          .send({ price_id: pack.priceId, product_id: pack.productId }),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      const customer = await customerOf(user);
      const sessions = await Promise.all(
        [a, b].map((r) => stripe.checkout.sessions.retrieve((r.body as { session_id: string }).session_id)),
      );
      expect(sessions.map((s) => s.customer)).toEqual([customer, customer]);
      const customers = await stripe.customers.list({ email: user.email, limit: 10 });
      expect(customers.data.map((c) => c.id)).toEqual([customer]);
    });
  });

  describe('managing the subscription', () => {
    it('reports no subscription as 200 {has_subscription: false, subscription: null, credits}', async () => {
      const user = await registerUser(t);
      expect(await subscription(user)).toEqual({
        has_subscription: false,
        subscription: null,
        credits: {
          monthly_credits: 0,
          purchased_credits: 0,
          promotional_credits: 0,
          total_credits: 0,
          held_credits: 0,
          expiring: [],
          overage: NO_OVERAGE,
        },
      });
    });

    it('cancels at period end (still trialing, idempotent) and resumes (idempotent)', async () => {
      const user = await registerUser(t);
      const { subscription: sub } = await subscribe(user);
      const cancelled = await t.http().delete('/payments/cancel-subscription').set(user.auth).expect(200);
      expect(cancelled.body).toMatchObject({
        has_subscription: true,
        subscription_id: sub!.subscription_id,
        status: 'trialing',
        cancel_at_period_end: true,
        has_access: true,
      });
      expect((await stripe.subscriptions.retrieve(sub!.subscription_id)).cancel_at_period_end).toBe(true);
      const again = await t.http().delete('/payments/cancel-subscription').set(user.auth).expect(200);
      expect(again.body).toMatchObject({ subscription_id: sub!.subscription_id, cancel_at_period_end: true });
      expect(await subscription(user)).toMatchObject({ status: 'trialing', cancel_at_period_end: true });

      const resumed = await t.http().post('/payments/resume-subscription').set(user.auth).expect(200);
      expect(resumed.body).toMatchObject({
        subscription_id: sub!.subscription_id,
        cancel_at_period_end: false,
      });
      expect((await stripe.subscriptions.retrieve(sub!.subscription_id)).cancel_at_period_end).toBe(false);
      const resumedAgain = await t.http().post('/payments/resume-subscription').set(user.auth).expect(200);
      expect(resumedAgain.body).toMatchObject({ status: 'trialing', cancel_at_period_end: false });
    });

    it('answers 404 SUBSCRIPTION_NOT_FOUND to cancel/resume/change-plan without a live subscription', async () => {
      const user = await registerUser(t);
      const cancel = await t.http().delete('/payments/cancel-subscription').set(user.auth).expect(404);
      expect(cancel.body.code).toBe('SUBSCRIPTION_NOT_FOUND');
      const resume = await t.http().post('/payments/resume-subscription').set(user.auth).expect(404);
      expect(resume.body.code).toBe('SUBSCRIPTION_NOT_FOUND');
      const change = await t
        .http()
        .post('/payments/change-plan')
        .set(user.auth)
        .send({ price_id: pro.priceId });
      expect(change.status).toBe(404);
      expect(change.body.code).toBe('SUBSCRIPTION_NOT_FOUND');
    });

    it('gives no second trial: after the first subscription ends, the next one is paid at once', async () => {
      const user = await registerUser(t);
      const first = await subscribe(user);
      expect(first.subscription?.status).toBe('trialing');
      // The subscription ends at Stripe. Checkout confirms with Stripe rather than trusting a mirror that
      // may still be waiting for the customer.subscription.deleted webhook.
      await stripe.subscriptions.cancel(first.subscription!.subscription_id);
      const second = await subscribe(user);
      expect(second).toMatchObject({ fulfilled: true, payment_status: 'paid' });
      expect(second.subscription).toMatchObject({ status: 'active', trial_end: null, has_access: true });
      expect(second.subscription!.subscription_id).not.toBe(first.subscription!.subscription_id);
      expect(await subscription(user)).toMatchObject({
        subscription_id: second.subscription!.subscription_id,
        status: 'active',
        trial_end: null,
      });
    });

    it('gives no trial to a user whose users.trial_used_at is set, even without a subscription row', async () => {
      const user = await registerUser(t);
      await t.dataSource.query('UPDATE users SET trial_used_at = now() WHERE id = $1', [user.id]);
      const done = await subscribe(user);
      expect(done.subscription).toMatchObject({ status: 'active', trial_end: null });
    });

    it('changes plan with a prorated preview first; same plan 409, unknown plan 404', async () => {
      // A second plan, made the way the catalog makes them, then pulled in by an admin sync.
      const product = await stripe.products.create({
        name: `Team Plan ${Date.now()}`,
        metadata: { kind: 'plan', monthly_uses: '300', trial_days: '14', full_plan_name: 'Team Plan' },
      });
      const price = await stripe.prices.create({
        product: product.id,
        currency: 'usd',
        unit_amount: 5999,
        recurring: { interval: 'month' },
        currency_options: { eur: { unit_amount: 5599 } },
        metadata: { kind: 'plan', monthly_uses: '300' },
      });
      const adminUser = await registerOrLoginAdmin(t);
      await t.http().post('/admin/catalog/sync').set(adminUser.auth).expect(200);
      await waitFor(
        async () =>
          (
            (await t.http().get('/payments/products/?product_type=subscription').expect(200)).body as {
              products: Array<{ id: string }>;
            }
          ).products.some((p) => p.id === product.id),
        'the new plan in the product list',
      );

      // A paying (no trial) subscriber, so the change has money to prorate.
      const user = await registerUser(t);
      await t.dataSource.query('UPDATE users SET trial_used_at = now() WHERE id = $1', [user.id]);
      const start = await subscribe(user);
      expect(start.subscription).toMatchObject({ status: 'active', plan: { name: 'Pro Plan' } });

      const preview = await t
        .http()
        .get(`/payments/change-plan/preview?price_id=${price.id}`)
        .set(user.auth)
        .expect(200);
      expect(preview.body).toMatchObject({ currency: 'usd', amount_due: expect.any(Number) });
      const lines = preview.body.lines as Array<{
        amount: number;
        proration: boolean;
        description: string | null;
      }>;
      expect(lines.length).toBeGreaterThan(0);
      const prorations = lines.filter((l) => l.proration);
      expect(prorations.length).toBeGreaterThan(0);
      expect(preview.body.proration_amount).toBe(prorations.reduce((s, l) => s + l.amount, 0));
      // Upgrading $29.99 → $59.99 right after paying costs about the difference for the rest of the month.
      expect(preview.body.proration_amount).toBeGreaterThan(2900);
      expect(preview.body.proration_amount).toBeLessThanOrEqual(3000);
      // Nothing changed yet.
      expect(await subscription(user)).toMatchObject({ plan: { name: 'Pro Plan' } });

      const changed = await t
        .http()
        .post('/payments/change-plan')
        .set(user.auth)
        .send({ price_id: price.id })
        .expect(200);
      expect(changed.body).toMatchObject({
        subscription_id: start.subscription!.subscription_id,
        status: 'active',
        plan: { name: product.name, unit_amount: 5999, price: '59.99', monthly_credits: 300 },
      });
      const remote = await stripe.subscriptions.retrieve(start.subscription!.subscription_id);
      expect(remote.items.data[0].price.id).toBe(price.id);

      const same = await t
        .http()
        .post('/payments/change-plan')
        .set(user.auth)
        .send({ price_id: price.id })
        .expect(409);
      expect(same.body.code).toBe('SAME_PLAN');
      const unknown = await t
        .http()
        .post('/payments/change-plan')
        .set(user.auth)
        .send({ price_id: 'price_notaplan' })
        .expect(404);
      expect(unknown.body.code).toBe('PRICE_NOT_FOUND');
      const packagePrice = await t
        .http()
        .get(`/payments/change-plan/preview?price_id=${pack.priceId}`)
        .set(user.auth)
        .expect(404);
      expect(packagePrice.body.code).toBe('PRICE_NOT_FOUND');
      const badFormat = await t
        .http()
        .post('/payments/change-plan')
        .set(user.auth)
        .send({ price_id: 'x' })
        .expect(400);
      expect(badFormat.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('invoices and billing portal', () => {
    it('lists the caller’s invoices in minor units, and none for a user who never paid', async () => {
      const user = await registerUser(t);
      expect((await t.http().get('/payments/invoices').set(user.auth).expect(200)).body).toEqual({
        invoices: [],
        has_more: false,
      });
      await t.dataSource.query('UPDATE users SET trial_used_at = now() WHERE id = $1', [user.id]);
      await subscribe(user);
      const res = await t.http().get('/payments/invoices').set(user.auth).expect(200);
      const invoices = res.body.invoices as Array<Record<string, unknown>>;
      expect(invoices).toHaveLength(1);
      expect(invoices[0]).toMatchObject({
        id: expect.stringMatching(/^in_/),
        status: 'paid',
        billing_reason: 'subscription_create',
        amount_due: 2999,
        amount_paid: 2999,
        currency: 'usd',
        created: expect.stringMatching(ISO),
        period_start: expect.stringMatching(ISO),
        period_end: expect.stringMatching(ISO),
        // Tax off (the default): the tax fields are there, empty.
        subtotal: 2999,
        tax: 0,
        total: 2999,
        taxes: [],
        customer_tax_ids: [],
        // Stripe's hosted page for the invoice: a paid invoice has one.
        hosted_invoice_url: expect.stringMatching(/^https?:\/\/\S+/),
        // The plan's line (the Pro Plan has no overage, so no metered line).
        lines: [
          {
            id: expect.any(String),
            description: expect.stringContaining('Pro Plan'),
            quantity: 1,
            amount: 2999,
            price_id: expect.stringMatching(/^price_/),
            overage: false,
            period_start: expect.stringMatching(ISO),
            period_end: expect.stringMatching(ISO),
          },
        ],
      });
      expect(Object.keys(invoices[0]).sort()).toEqual(
        [
          'lines',
          'amount_due',
          'amount_paid',
          'subtotal',
          'tax',
          'total',
          'taxes',
          'customer_tax_ids',
          'billing_reason',
          'created',
          'currency',
          'hosted_invoice_url',
          'id',
          'invoice_pdf',
          'number',
          'period_end',
          'period_start',
          'status',
        ].sort(),
      );
    });

    it('opens the billing portal on the caller’s own customer, 404 CUSTOMER_NOT_FOUND before any purchase', async () => {
      const user = await registerUser(t);
      const none = await t.http().get('/payments/create-billing-portal-session').set(user.auth).expect(404);
      expect(none.body.code).toBe('CUSTOMER_NOT_FOUND');
      await subscribe(user);
      const res = await t.http().get('/payments/create-billing-portal-session').set(user.auth).expect(200);
      expect(res.body).toEqual({ url: expect.stringMatching(/^https?:\/\//) });
    });

    it('leaves the monthly credits alone when a subscription invoice is refunded (only packs are clawed back)', async () => {
      const user = await registerUser(t);
      await t.dataSource.query('UPDATE users SET trial_used_at = now() WHERE id = $1', [user.id]);
      await subscribe(user);
      const balance = async () =>
        (await t.http().get('/credits').set(user.auth).expect(200)).body as { monthly_credits: number };
      await waitFor(async () => (await balance()).monthly_credits === 100, 'the first period granted');
      const customer = (await customerOf(user))!;
      const intents = await stripe.paymentIntents.list({ customer });
      const invoicePayment = intents.data.find((pi) => pi.status === 'succeeded');
      expect(invoicePayment).toBeDefined();
      await stripe.refunds.create({ payment_intent: invoicePayment!.id });
      await t.emulator.whenDeliveriesSettled(15_000);
      const refunded = await waitFor(async () => {
        const rows: Array<{ status: string }> = await t.dataSource.query(
          `SELECT status FROM webhook_events
            WHERE type = 'charge.refunded' AND payload->'data'->'object'->>'payment_intent' = $1`,
          [invoicePayment!.id],
        );
        return rows[0]?.status === 'processed' ? rows : undefined;
      }, 'the refund event processed');
      expect(refunded).toHaveLength(1);
      expect((await balance()).monthly_credits).toBe(100);
      const [clawbacks]: Array<{ n: number }> = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM credit_ledger WHERE user_id = $1 AND reason = 'refund_clawback'`,
        [user.id],
      );
      expect(clawbacks.n).toBe(0);
    });

    it('shows the subscription in the admin user detail, the same answer the user sees, before and after one', async () => {
      const admin = await registerOrLoginAdmin(t);
      const user = await registerUser(t);
      const before = (await t.http().get(`/admin/users/${user.id}`).set(admin.auth).expect(200)).body;
      expect(before.subscription).toEqual(
        (await t.http().get('/payments/get-user-subscription').set(user.auth).expect(200)).body,
      );
      expect(before.subscription).toMatchObject({ has_subscription: false, subscription: null });
      await subscribe(user);
      const own = await waitFor(async () => {
        const body = (await t.http().get('/payments/get-user-subscription').set(user.auth).expect(200)).body;
        return body.has_subscription ? (body as Record<string, unknown>) : undefined;
      }, 'the subscription to be mirrored');
      const detail = (await t.http().get(`/admin/users/${user.id}`).set(admin.auth).expect(200)).body;
      expect(detail.subscription).toEqual(own);
      expect(detail.subscription).toMatchObject({
        has_subscription: true,
        status: expect.stringMatching(/^(trialing|active)$/),
      });
    });

    it('opens the billing portal for a brand-new customer: a checkout started, nothing bought yet', async () => {
      const user = await registerUser(t);
      await startCheckout(user, pro).expect(200);
      const customer = await customerOf(user);
      expect(customer).toMatch(/^cus_/);
      const res = await t.http().get('/payments/create-billing-portal-session').set(user.auth).expect(200);
      expect(res.body).toEqual({ url: expect.stringMatching(/^https?:\/\//) });
    });
  });

  describe('isolation between users', () => {
    it('never lets another user read or act on the first user’s session, subscription, invoices or portal', async () => {
      const owner = await registerUser(t);
      const other = await registerUser(t);
      const created = (await startCheckout(owner, pro).expect(200)).body as { session_id: string };
      expect((await t.emulator.completeCheckout(created.session_id)).ok).toBe(true);

      // The other user cannot see (or trigger fulfilment of) the owner's session; it looks like no session.
      const peek = await t
        .http()
        .get(`/payments/checkout-session/${created.session_id}`)
        .set(other.auth)
        .expect(404);
      expect(peek.body.code).toBe('CHECKOUT_SESSION_NOT_FOUND');
      expect(JSON.stringify(peek.body)).not.toContain(created.session_id);
      const made = await t
        .http()
        .get('/payments/checkout-session/cs_test_doesnotexist')
        .set(other.auth)
        .expect(404);
      expect(made.body.code).toBe('CHECKOUT_SESSION_NOT_FOUND');

      const owned = await sessionStatus(owner, created.session_id);
      expect(owned.subscription?.status).toBe('trialing');

      expect(await subscription(other)).toMatchObject({ has_subscription: false });
      await t.http().delete('/payments/cancel-subscription').set(other.auth).expect(404);
      await t.http().post('/payments/resume-subscription').set(other.auth).expect(404);
      await t.http().get(`/payments/change-plan/preview?price_id=${pro.priceId}`).set(other.auth).expect(404);
      expect((await t.http().get('/payments/invoices').set(other.auth).expect(200)).body.invoices).toEqual(
        [],
      );
      await t.http().get('/payments/create-billing-portal-session').set(other.auth).expect(404);

      // The owner's subscription was untouched by all that.
      expect(await subscription(owner)).toMatchObject({ status: 'trialing', cancel_at_period_end: false });

      // Once the other user pays too, each still sees only their own invoices.
      await subscribe(other);
      const ownerInvoices = (await t.http().get('/payments/invoices').set(owner.auth).expect(200)).body
        .invoices as Array<{ id: string }>;
      const otherInvoices = (await t.http().get('/payments/invoices').set(other.auth).expect(200)).body
        .invoices as Array<{ id: string }>;
      expect(ownerInvoices.length).toBeGreaterThan(0);
      expect(otherInvoices.length).toBeGreaterThan(0);
      const ownerIds = new Set(ownerInvoices.map((i) => i.id));
      expect(otherInvoices.some((i) => ownerIds.has(i.id))).toBe(false);
      const ownerCustomer = await customerOf(owner);
      for (const inv of ownerInvoices) {
        expect((await stripe.invoices.retrieve(inv.id)).customer).toBe(ownerCustomer);
      }
    });
  });

  it('documents every payments route in /docs-json', async () => {
    const doc = (await t.http().get('/docs-json').expect(200)).body as { paths: Record<string, unknown> };
    for (const path of [
      '/payments/create-checkout-session',
      '/payments/create-checkout-session-onetime',
      '/payments/checkout-session/{session_id}',
      '/payments/get-user-subscription',
      '/payments/cancel-subscription',
      '/payments/resume-subscription',
      '/payments/change-plan',
      '/payments/change-plan/preview',
      '/payments/invoices',
      '/payments/create-billing-portal-session',
    ]) {
      expect(doc.paths).toHaveProperty([path]);
    }
  });
});

/** `admin@tollgate.test` is an admin in tests (ADMIN_EMAILS); registered once per app, then logged in. */
async function registerOrLoginAdmin(t: TestApp): Promise<TestUser> {
  const email = 'admin@tollgate.test';
  const password = 'correct horse battery';
  const reg = await t.http().post('/auth/register').send({ email, password });
  const login =
    reg.status === 201 ? reg : await t.http().post('/auth/login').send({ email, password }).expect(200);
  const token = (login.body as { access_token: string }).access_token;
  const me = await t.http().get('/auth/me').set('Authorization', `Bearer ${token}`).expect(200);
  return { id: (me.body as { id: string }).id, email, token, auth: { Authorization: `Bearer ${token}` } };
}
