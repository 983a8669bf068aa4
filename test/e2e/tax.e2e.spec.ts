import type Stripe from 'stripe';
import { registerUser, type TestUser } from '../factories/user.factory';
import { catalogPrice, createPackCheckout, credits, stripeOf } from '../support/stripe-helpers';
import { createTestApp, waitFor, type TestApp } from '../support/test-app';

const BERLIN = { line1: 'Unter den Linden 1', city: 'Berlin', postal_code: '10115', country: 'DE' };

describe('tax: STRIPE_AUTOMATIC_TAX=true (e2e)', () => {
  let t: TestApp;
  let stripe: Stripe;
  let pack: { priceId: string; productId: string };
  let pro: { priceId: string; productId: string };

  beforeAll(async () => {
    t = await createTestApp({ env: { STRIPE_AUTOMATIC_TAX: 'true' } });
    stripe = stripeOf(t);
    pack = await catalogPrice(t, 'one_time', '100 Credits');
    pro = await catalogPrice(t, 'subscription', 'Pro Plan');
  });
  afterAll(async () => {
    await t.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await t.close();
  });

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
