import type Stripe from 'stripe';
import { loadCatalogFile } from '../../src/plans/catalog-file';
import { CatalogSyncService } from '../../src/plans/catalog-sync.service';
import { registerUser, type TestUser } from '../factories/user.factory';
import { catalogPrice, createPackCheckout, credits, stripeOf } from '../support/stripe-helpers';
import { createTestApp, waitFor, type TestApp } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';

const BERLIN = { line1: 'Unter den Linden 1', city: 'Berlin', postal_code: '10115', country: 'DE' };

describe('tax: STRIPE_AUTOMATIC_TAX=true (e2e)', () => {
  let t: TestApp;
  let stripe: Stripe;
  let pack: { priceId: string; productId: string };
  let pro: { priceId: string; productId: string };
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp({
      env: { STRIPE_AUTOMATIC_TAX: 'true', DEMO_TIME_TRAVEL: 'true', OUTBOUND_WORKER_INTERVAL_MS: '50' },
    });
    stripe = stripeOf(t);
    pack = await catalogPrice(t, 'one_time', '100 Credits');
    pro = await catalogPrice(t, 'subscription', 'Pro Plan');
    admin = await registerUser(t, 'admin@tollgate.test');
    await receiver.start();
    const ep = await t
      .http()
      .post('/admin/webhook-endpoints')
      .set(admin.auth)
      .send({ url: receiver.url, events: ['purchase.completed', 'payment.succeeded'] })
      .expect(201);
    receiver.secrets = [(ep.body as { secret: string }).secret];
  });
  afterAll(async () => {
    await t.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await receiver.stop();
    await t.close();
  });

  const receiver = new WebhookReceiver();
  const outbound = (type: string, userId: string) =>
    waitFor(() => {
      const found = receiver.received.filter((r) => r.payload.type === type && r.payload.user_id === userId);
      // An empty list is truthy: wait until the event has really arrived.
      return found.length > 0 ? found : undefined;
    }, `${type} for ${userId}`);

  const status = async (user: TestUser, sessionId: string) =>
    (await t.http().get(`/payments/checkout-session/${sessionId}`).set(user.auth).expect(200)).body as Record<
      string,
      unknown
    >;

  it('asks Stripe for automatic tax, a required billing address saved on the customer, and tax IDs', async () => {
    const user = await registerUser(t);
    const sessionId = await createPackCheckout(t, user, pack);
    const session = await stripe.checkout.sessions.retrieve(sessionId);
    expect(session).toMatchObject({
      automatic_tax: { enabled: true, status: 'requires_location_inputs' },
      billing_address_collection: 'required',
      tax_id_collection: { enabled: true },
      amount_total: 1999,
    });
    const plan = await t
      .http()
      .post('/payments/create-checkout-session')
      .set((await registerUser(t)).auth)
      .send({ price_id: pro.priceId, product_id: pro.productId })
      .expect(200);
    const sub = await stripe.checkout.sessions.retrieve((plan.body as { session_id: string }).session_id);
    expect(sub).toMatchObject({ automatic_tax: { enabled: true }, billing_address_collection: 'required' });
  });

  it('an EU customer pays the pack plus 19% VAT and is granted exactly the pack’s 100 credits', async () => {
    const user = await registerUser(t);
    const sessionId = await createPackCheckout(t, user, pack);
    expect(
      await t.emulator.completeCheckout(sessionId, { address: BERLIN, name: 'Erika Mustermann' }),
    ).toEqual({
      ok: true,
    });
    const done = await status(user, sessionId);
    expect(done).toMatchObject({ fulfilled: true, payment_status: 'paid' });
    expect(await credits(t, user)).toMatchObject({ purchased_credits: 100, total_credits: 100 });
    const paid = await stripe.checkout.sessions.retrieve(sessionId);
    expect(paid).toMatchObject({
      amount_subtotal: 1999,
      amount_total: 2379,
      total_details: { amount_tax: 380 },
    });
    expect(done.amounts).toEqual({
      currency: 'usd',
      subtotal: 1999,
      discount: 0,
      tax: 380,
      total: 2379,
      tax_status: 'complete',
      taxes: [
        {
          tax_rate_id: expect.any(String),
          display_name: 'VAT',
          percentage: 19,
          country: 'DE',
          state: null,
          tax_behavior: 'exclusive',
          taxable_amount: 1999,
          amount: 380,
        },
      ],
    });
    const [event] = (await outbound('purchase.completed', user.id));
    expect(event.payload.data).toMatchObject({
      credits: 100,
      amount_subtotal: 1999,
      amount_tax: 380,
      amount_total: 2379,
      currency: 'usd',
    });
    // Checkout saved the address it collected on the customer; the customer.updated webhook mirrored it.
    await waitFor(async () => {
      const body = (await t.http().get('/payments/billing-details').set(user.auth).expect(200)).body as {
        address: { country: string } | null;
      };
      return body.address?.country === 'DE';
    }, 'billing details mirrored from Checkout');
  });

  it('a customer without a location is asked for one on the payment page instead of failing the checkout', async () => {
    const user = await registerUser(t);
    const sessionId = await createPackCheckout(t, user, pack);
    const open = await status(user, sessionId);
    expect(open.amounts).toMatchObject({ tax: 0, total: 1999, tax_status: 'requires_location_inputs' });
    const page = await (await fetch((await stripe.checkout.sessions.retrieve(sessionId)).url!)).text();
    expect(page).toContain('Billing address');
    expect(await t.emulator.completeCheckout(sessionId, {})).toMatchObject({
      ok: false,
      error: { code: 'billing_details_required' },
    });
    expect(await credits(t, user)).toMatchObject({ total_credits: 0 });
    const us = { country: 'US', state: 'NY', postal_code: '10001' };
    expect(await t.emulator.completeCheckout(sessionId, { address: us })).toEqual({ ok: true });
    const done = await status(user, sessionId);
    expect(done.amounts).toMatchObject({ tax: 80, total: 2079, tax_status: 'complete' });
    expect(await credits(t, user)).toMatchObject({ purchased_credits: 100 });
  });

  it("a business customer's tax ID is on its invoices; renewals keep tax (time travel); payment events show it", async () => {
    const user = await registerUser(t);
    await t
      .http()
      .put('/payments/billing-details')
      .set(user.auth)
      .send({ name: 'Mustermann GmbH', address: BERLIN, tax_ids: [{ type: 'eu_vat', value: 'DE123456789' }] })
      .expect(200);
    const created = await t
      .http()
      .post('/payments/create-checkout-session')
      .set(user.auth)
      .send({ price_id: pro.priceId, product_id: pro.productId })
      .expect(200);
    const sessionId = (created.body as { session_id: string }).session_id;
    expect((await stripe.checkout.sessions.retrieve(sessionId)).automatic_tax.status).toBe('complete');
    expect(await t.emulator.completeCheckout(sessionId, {})).toEqual({ ok: true });
    expect(await status(user, sessionId)).toMatchObject({ fulfilled: true });

    // Trial end, then one more period: both renewal invoices are taxed from the saved address.
    await t.http().post('/dev/time-travel/renewal').set(user.auth).expect(200);
    await t.http().post('/dev/time-travel/renewal').set(user.auth).expect(200);
    const invoices = (await t.http().get('/payments/invoices').set(user.auth).expect(200)).body as {
      invoices: Array<Record<string, unknown>>;
    };
    expect(
      invoices.invoices.map((i) => [i.billing_reason, i.subtotal, i.tax, i.total, i.amount_paid]),
    ).toEqual([
      ['subscription_cycle', 2999, 570, 3569, 3569],
      ['subscription_cycle', 2999, 570, 3569, 3569],
      ['subscription_create', 0, 0, 0, 0],
    ]);
    expect(invoices.invoices[0]).toMatchObject({
      customer_tax_ids: [{ type: 'eu_vat', value: 'DE123456789' }],
      taxes: [
        {
          display_name: 'VAT',
          percentage: 19,
          country: 'DE',
          tax_behavior: 'exclusive',
          taxable_amount: 2999,
          amount: 570,
        },
      ],
    });
    const paid = await waitFor(() => {
      const found = receiver.received.filter(
        (r) => r.payload.type === 'payment.succeeded' && r.payload.user_id === user.id,
      );
      return found.length >= 3 ? found : undefined;
    }, 'three payment.succeeded');
    expect(
      paid.map((r) => [r.payload.data.subtotal, r.payload.data.amount_tax, r.payload.data.total]),
    ).toEqual([
      [0, 0, 0],
      [2999, 570, 3569],
      [2999, 570, 3569],
    ]);
    // Monthly credits are the plan's allowance, whatever the tax.
    expect(await credits(t, user)).toMatchObject({ monthly_credits: 100 });
    // Its renewals are taxed from the address: it cannot be removed while the subscription lives.
    const removed = await t
      .http()
      .put('/payments/billing-details')
      .set(user.auth)
      .send({ name: 'x' })
      .expect(422);
    expect(removed.body).toMatchObject({ code: 'BILLING_ADDRESS_REQUIRED' });
    const kept = await t.http().get('/payments/billing-details').set(user.auth).expect(200);
    expect(kept.body).toMatchObject({ name: 'Mustermann GmbH', address: { country: 'DE' } });
  });

  it('an inclusive price keeps its total: the tax is the part of it, and the pack grants exactly its credits', async () => {
    const file = loadCatalogFile();
    file.packages.push({
      lookup_key: 'e2e_eu_pack_inclusive',
      name: '50 Credits (VAT included)',
      description: 'Priced with tax included',
      currency: 'eur',
      amounts: { eur: 1190 },
      credits: 50,
      display_order: 90,
      tax_behavior: 'inclusive',
    });
    await t.app.get(CatalogSyncService).pushToStripe(file);
    await t.http().post('/admin/catalog/sync').set(admin.auth).expect(200);
    const listed = await t.http().get('/payments/products/?product_type=one_time&currency=eur').expect(200);
    const product = (
      listed.body as { products: Array<{ id: string; name: string; price: { price_id: string } }> }
    ).products.find((p) => p.name === '50 Credits (VAT included)')!;
    const inclusive = { priceId: product.price.price_id, productId: product.id };
    const user = await registerUser(t);
    const sessionId = await createPackCheckout(t, user, inclusive);
    expect(await t.emulator.completeCheckout(sessionId, { address: BERLIN })).toEqual({ ok: true });
    const done = await status(user, sessionId);
    expect(done.amounts).toMatchObject({
      currency: 'eur',
      subtotal: 1190,
      tax: 190,
      total: 1190,
      taxes: [{ percentage: 19, tax_behavior: 'inclusive', taxable_amount: 1000, amount: 190 }],
    });
    expect(await credits(t, user)).toMatchObject({ purchased_credits: 50, total_credits: 50 });
  });

  it("refuses a currency other than the billing country's when the catalog sells the item in that one (409)", async () => {
    const user = await registerUser(t);
    await t.http().put('/payments/billing-details').set(user.auth).send({ address: BERLIN }).expect(200);
    const refused = await t
      .http()
      .post('/payments/create-checkout-session-onetime')
      .set(user.auth)
      .send({ price_id: pack.priceId, product_id: pack.productId, currency: 'usd' })
      .expect(409);
    expect(refused.body).toMatchObject({ code: 'CURRENCY_COUNTRY_MISMATCH', allowed: ['eur'] });
    const rows = await t.dataSource.query('SELECT id FROM checkout_sessions WHERE user_id = $1', [user.id]);
    expect(rows).toEqual([]);
    await t
      .http()
      .post('/payments/create-checkout-session-onetime')
      .set(user.auth)
      .send({ price_id: pack.priceId, product_id: pack.productId, currency: 'eur' })
      .expect(200);
  });

  describe('billing details', () => {
    const put = (user: TestUser, body: object) =>
      t.http().put('/payments/billing-details').set(user.auth).send(body);

    it('stores name, address and tax IDs on a Stripe customer created for the purpose, and mirrors them', async () => {
      const user = await registerUser(t);
      expect((await t.http().get('/payments/billing-details').set(user.auth).expect(200)).body).toEqual({
        name: null,
        address: null,
        tax_ids: [],
      });
      const saved = await put(user, {
        name: 'Mustermann GmbH',
        address: { ...BERLIN, country: 'de' },
        tax_ids: [{ type: 'eu_vat', value: 'de 123 456 789' }],
      }).expect(200);
      const expected = {
        name: 'Mustermann GmbH',
        address: { ...BERLIN, line2: null, state: null },
        tax_ids: [{ type: 'eu_vat', value: 'DE123456789' }],
      };
      expect(saved.body).toEqual(expected);
      expect((await t.http().get('/payments/billing-details').set(user.auth).expect(200)).body).toEqual(
        expected,
      );
      const [{ customer_id }] = await t.dataSource.query('SELECT customer_id FROM users WHERE id = $1', [
        user.id,
      ]);
      const customer = (await stripe.customers.retrieve(customer_id as string)) as Stripe.Customer;
      expect(customer).toMatchObject({
        name: 'Mustermann GmbH',
        address: { country: 'DE', postal_code: '10115' },
      });
      expect((await stripe.customers.listTaxIds(customer.id)).data.map((x) => x.value)).toEqual([
        'DE123456789',
      ]);

      // Replacing: the tax ID list is the body's (the old one deleted), the name cleared.
      await put(user, { address: BERLIN, tax_ids: [{ type: 'gb_vat', value: 'GB123456789' }] }).expect(200);
      expect((await stripe.customers.listTaxIds(customer.id)).data.map((x) => x.value)).toEqual([
        'GB123456789',
      ]);
    });

    it('the billing portal lets the customer change them; the customer.updated webhook mirrors the change', async () => {
      const user = await registerUser(t);
      await put(user, { name: 'Erika', address: BERLIN }).expect(200);
      const portal = await t.http().get('/payments/create-billing-portal-session').set(user.auth).expect(200);
      const url = (portal.body as { url: string }).url;
      const page = await (await fetch(url)).text();
      expect(page).toContain('Billing information');
      expect(page).toContain('value="10115"');
      const saved = await fetch(`${url}/customer`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          billing_name: 'Erika M.',
          address_line1: '1 Rue de Rivoli',
          address_city: 'Paris',
          address_postal_code: '75001',
          address_country: 'FR',
          tax_id_type: 'eu_vat',
          tax_id_value: 'FR12345678901',
        }),
        redirect: 'manual',
      });
      expect(saved.status).toBe(303);
      const mirrored = await waitFor(async () => {
        const body = (await t.http().get('/payments/billing-details').set(user.auth).expect(200)).body as {
          name: string;
          address: { country: string };
          tax_ids: unknown[];
        };
        return body.address.country === 'FR' && body.tax_ids.length === 1 ? body : undefined;
      }, 'the portal change mirrored');
      expect(mirrored).toMatchObject({
        name: 'Erika M.',
        tax_ids: [{ type: 'eu_vat', value: 'FR12345678901' }],
      });
    });

    it.each([
      [{ address: { city: 'Berlin' } }, 400, 'ADDRESS_COUNTRY_REQUIRED'],
      [{ address: BERLIN, tax_ids: [{ type: 'eu_vat', value: 'DE12' }] }, 400, 'TAX_ID_INVALID'],
      [
        { address: BERLIN, tax_ids: [{ type: 'br_cpf', value: '123.456.789-00' }] },
        400,
        'TAX_ID_TYPE_UNSUPPORTED',
      ],
      [{ address: { country: 'US', state: 'CA' } }, 422, 'BILLING_ADDRESS_REQUIRED'],
    ])('refuses %j with %s %s and changes nothing', async (body, statusCode, code) => {
      const user = await registerUser(t);
      await put(user, { name: 'Kept', address: BERLIN }).expect(200);
      const res = await put(user, body).expect(statusCode);
      expect(res.body).toMatchObject({ code });
      const now = (await t.http().get('/payments/billing-details').set(user.auth).expect(200)).body as {
        name: string;
        address: { country: string };
      };
      expect(now).toMatchObject({ name: 'Kept', address: { country: 'DE' } });
    });
  });
});
