import Stripe from 'stripe';
import { idOf, startHarness, type Harness } from './helpers';

const DAY = 86_400;

describe('stripe emulator: Stripe Tax (rate table, inclusive/exclusive, addresses, tax IDs)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  const price = (opts: Partial<Stripe.PriceCreateParams> = {}) =>
    h.stripe.prices.create({
      currency: 'eur',
      unit_amount: 1000,
      product_data: { name: 'Pack', tax_code: 'txcd_10103001' },
      tax_behavior: 'exclusive',
      ...opts,
    });

  const taxedSession = async (p: Stripe.Price, customer?: string, extra: object = {}) =>
    h.stripe.checkout.sessions.create({
      mode: p.type === 'recurring' ? 'subscription' : 'payment',
      line_items: [{ price: p.id, quantity: 1 }],
      success_url: 'http://app.local/ok',
      automatic_tax: { enabled: true },
      billing_address_collection: 'required',
      ...(customer ? { customer, customer_update: { address: 'auto', name: 'auto' } } : {}),
      ...extra,
    });

  it('tax settings are active with a head office; a pending account refuses automatic tax (stripe_tax_inactive)', async () => {
    const settings = await h.stripe.tax.settings.retrieve();
    expect(settings).toMatchObject({ object: 'tax.settings', status: 'active' });
    const pending = await startHarness({ taxStatus: 'pending' });
    try {
      expect((await pending.stripe.tax.settings.retrieve()).status).toBe('pending');
      const p = await pending.stripe.prices.create({
        currency: 'eur',
        unit_amount: 100,
        product_data: { name: 'x' },
      });
      await expect(
        pending.stripe.checkout.sessions.create({
          mode: 'payment',
          line_items: [{ price: p.id, quantity: 1 }],
          success_url: 'http://a/ok',
          automatic_tax: { enabled: true },
        }),
      ).rejects.toMatchObject({ code: 'stripe_tax_inactive' });
      await pending.stripe.tax.settings.update({
        head_office: { address: { country: 'US', state: 'CA', postal_code: '94080' } },
      });
      expect((await pending.stripe.tax.settings.retrieve()).status).toBe('active');
    } finally {
      await pending.stop();
    }
  });

  it('exclusive price: a German buyer pays 19% VAT on top; line, session and tax rate show it', async () => {
    const p = await price();
    const session = await taxedSession(p);
    expect(session.automatic_tax).toMatchObject({ enabled: true, status: 'requires_location_inputs' });
    expect(await h.emulator.completeCheckout(session.id, {})).toMatchObject({
      ok: false,
      error: { code: 'billing_details_required' },
    });
    const done = await h.emulator.completeCheckout(session.id, {
      address: { country: 'DE', postal_code: '10115', city: 'Berlin', line1: 'Unter den Linden 1' },
      name: 'Erika Mustermann',
    });
    expect(done).toEqual({ ok: true });
    const paid = await h.stripe.checkout.sessions.retrieve(session.id, {
      expand: ['line_items', 'payment_intent'],
    });
    expect(paid).toMatchObject({
      amount_subtotal: 1000,
      amount_total: 1190,
      total_details: { amount_tax: 190 },
      automatic_tax: { enabled: true, status: 'complete' },
      customer_details: { address: { country: 'DE' }, name: 'Erika Mustermann' },
    });
    expect((paid.payment_intent as Stripe.PaymentIntent).amount).toBe(1190);
    const tax = paid.line_items!.data[0].taxes![0];
    expect(tax).toMatchObject({ amount: 190, taxable_amount: 1000, taxability_reason: 'standard_rated' });
    expect(tax.rate).toMatchObject({ id: 'txr_emu_DE', percentage: 19, country: 'DE', display_name: 'VAT' });
    expect(await h.stripe.taxRates.retrieve('txr_emu_DE')).toMatchObject({ jurisdiction: 'Germany' });
    const customer = await h.stripe.customers.retrieve(idOf(paid.customer), { expand: ['tax'] });
    expect(customer).toMatchObject({
      address: { country: 'DE' },
      tax: { automatic_tax: 'supported', location: { country: 'DE', source: 'billing_address' } },
    });
  });

  it('inclusive price keeps its total; the tax is the included part', async () => {
    const p = await price({ unit_amount: 1190, tax_behavior: 'inclusive' });
    const session = await taxedSession(p);
    expect(await h.emulator.completeCheckout(session.id, { address: { country: 'DE' } })).toEqual({
      ok: true,
    });
    const paid = await h.stripe.checkout.sessions.retrieve(session.id);
    expect(paid).toMatchObject({
      amount_subtotal: 1190,
      amount_total: 1190,
      total_details: { amount_tax: 190 },
    });
  });

  it('US: tax by state (CA 7.25%), a state without a rate is not_collecting; a US address needs state and ZIP', async () => {
    const p = await price({ currency: 'usd', unit_amount: 2000 });
    const ca = await taxedSession(p);
    expect(
      await h.emulator.completeCheckout(ca.id, { address: { country: 'US', state: 'CA' } }),
    ).toMatchObject({ ok: false });
    expect(
      await h.emulator.completeCheckout(ca.id, {
        address: { country: 'US', state: 'CA', postal_code: '94103' },
      }),
    ).toEqual({ ok: true });
    expect((await h.stripe.checkout.sessions.retrieve(ca.id)).amount_total).toBe(2145);
    const mt = await taxedSession(p);
    await h.emulator.completeCheckout(mt.id, {
      address: { country: 'US', state: 'MT', postal_code: '59001' },
    });
    expect((await h.stripe.checkout.sessions.retrieve(mt.id)).total_details?.amount_tax).toBe(0);
  });

  it('tax IDs: validated per type (tax_id_invalid, unknown type), listed, shown on the invoice', async () => {
    const customer = await h.stripe.customers.create({ email: 'b2b@example.com' });
    await expect(
      h.stripe.customers.createTaxId(customer.id, { type: 'eu_vat', value: 'DE12' }),
    ).rejects.toMatchObject({ code: 'tax_id_invalid', param: 'value' });
    await expect(
      h.stripe.customers.createTaxId(customer.id, { type: 'xx_vat', value: 'DE123456789' }),
    ).rejects.toMatchObject({ param: 'type' });
    const taxId = await h.stripe.customers.createTaxId(customer.id, {
      type: 'eu_vat',
      value: 'de 123456789',
    });
    expect(taxId).toMatchObject({ object: 'tax_id', type: 'eu_vat', value: 'DE123456789', country: 'DE' });
    expect((await h.stripe.customers.listTaxIds(customer.id)).data.map((t) => t.id)).toEqual([taxId.id]);
    await expect(
      h.stripe.customers.update(customer.id, {
        address: { line1: 'x' },
        tax: { validate_location: 'immediately' },
      }),
    ).rejects.toMatchObject({ code: 'customer_tax_location_invalid' });
    await h.stripe.customers.update(customer.id, {
      address: { country: 'FR', postal_code: '75001' },
      tax: { validate_location: 'immediately' },
    });
    const monthly = await price({ recurring: { interval: 'month' } });
    const session = await taxedSession(monthly, customer.id);
    expect(await h.emulator.completeCheckout(session.id, {})).toEqual({ ok: true });
    const sub = await h.stripe.subscriptions.retrieve(
      idOf((await h.stripe.checkout.sessions.retrieve(session.id)).subscription),
    );
    expect(sub.automatic_tax).toMatchObject({ enabled: true });
    const invoice = await h.stripe.invoices.retrieve(idOf(sub.latest_invoice));
    expect(invoice).toMatchObject({
      subtotal: 1000,
      total: 1200,
      amount_paid: 1200,
      total_excluding_tax: 1000,
      customer_tax_ids: [{ type: 'eu_vat', value: 'DE123456789' }],
      customer_address: { country: 'FR' },
      automatic_tax: { enabled: true, status: 'complete' },
      total_taxes: [{ amount: 200, tax_behavior: 'exclusive', tax_rate_details: { tax_rate: 'txr_emu_FR' } }],
    });
    expect(invoice.lines.data[0].taxes).toEqual([
      expect.objectContaining({ amount: 200, taxable_amount: 1000 }),
    ]);
  });

  it('customer_tax_location_invalid: automatic tax for a customer without a location (unless Checkout collects it)', async () => {
    const customer = await h.stripe.customers.create({ email: 'nowhere@example.com' });
    const monthly = await price({ recurring: { interval: 'month' } });
    await expect(
      h.stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: monthly.id }],
        automatic_tax: { enabled: true },
      }),
    ).rejects.toMatchObject({ code: 'customer_tax_location_invalid' });
    await expect(
      h.stripe.checkout.sessions.create({
        mode: 'subscription',
        customer: customer.id,
        line_items: [{ price: monthly.id, quantity: 1 }],
        success_url: 'http://a/ok',
        automatic_tax: { enabled: true },
      }),
    ).rejects.toMatchObject({ code: 'customer_tax_location_invalid' });
    const asks = await taxedSession(monthly, customer.id);
    expect(asks.automatic_tax.status).toBe('requires_location_inputs');
  });

  it('renewals keep automatic tax (test clock), and a price keeps its tax_behavior once set', async () => {
    const clock = await h.stripe.testHelpers.testClocks.create({
      frozen_time: Math.floor(Date.now() / 1000),
    });
    const customer = await h.stripe.customers.create({ email: 'renew@example.com', test_clock: clock.id });
    const monthly = await price({ recurring: { interval: 'month' }, currency: 'gbp' });
    const session = await taxedSession(monthly, customer.id);
    await h.emulator.completeCheckout(session.id, { address: { country: 'GB', postal_code: 'SW1A 1AA' } });
    await h.emulator.advanceTestClock(clock.id, clock.frozen_time + 32 * DAY);
    const invoices = await h.stripe.invoices.list({ customer: customer.id });
    expect(invoices.data.map((i) => [i.billing_reason, i.total, i.total_taxes?.[0]?.amount])).toEqual([
      ['subscription_cycle', 1200, 200],
      ['subscription_create', 1200, 200],
    ]);
    await expect(h.stripe.prices.update(monthly.id, { tax_behavior: 'inclusive' })).rejects.toMatchObject({
      param: 'tax_behavior',
    });
    const product = await h.stripe.products.update(idOf(monthly.product), { tax_code: 'txcd_10000000' });
    expect(product.tax_code).toBe('txcd_10000000');
  });
});
