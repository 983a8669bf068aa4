import type Stripe from 'stripe';
import { createOneTimePrice, idOf, startHarness, type Harness } from './helpers';

/**
 * One-off invoices through the real SDK (what an off-session auto top-up with tax uses): an invoice item for a
 * price on a draft invoice, finalize, pay off-session with a saved card; a decline and a 3-D Secure card.
 */
describe('stripe emulator one-off invoices', () => {
  let h: Harness;
  let price: Stripe.Price;
  beforeAll(async () => {
    h = await startHarness();
    price = await createOneTimePrice(h.stripe, 1999);
  });
  afterAll(async () => {
    await h.stop();
  });

  /** A customer with a card saved through a setup-mode Checkout. */
  const customerWithCard = async (card: string) => {
    const customer = await h.stripe.customers.create({ email: `${card}@example.com` });
    const session = await h.stripe.checkout.sessions.create({
      mode: 'setup',
      customer: customer.id,
      currency: 'usd',
      success_url: 'http://app.local/ok',
      cancel_url: 'http://app.local/no',
    });
    expect(await h.emulator.completeCheckout(session.id, { card })).toEqual({ ok: true });
    const si = await h.stripe.setupIntents.retrieve(
      idOf((await h.stripe.checkout.sessions.retrieve(session.id)).setup_intent),
    );
    return { customer: customer.id, card: idOf(si.payment_method) };
  };
  const draft = async (customer: string, card: string) => {
    const invoice = await h.stripe.invoices.create({
      customer,
      currency: 'usd',
      collection_method: 'charge_automatically',
      auto_advance: false,
      automatic_tax: { enabled: true },
      default_payment_method: card,
      pending_invoice_items_behavior: 'exclude',
      metadata: { purpose: 'top_up' },
    });
    const item = await h.stripe.invoiceItems.create({
      customer,
      invoice: invoice.id,
      pricing: { price: price.id },
    });
    return { invoice, item };
  };

  it('an invoice item on a draft, finalized and paid off-session: invoice.paid with its invoice payment', async () => {
    const { customer, card } = await customerWithCard('4242424242424242');
    const { invoice, item } = await draft(customer, card);
    expect(invoice).toMatchObject({ status: 'draft', billing_reason: 'manual', parent: null, total: 0 });
    expect(item).toMatchObject({
      object: 'invoiceitem',
      amount: 1999,
      currency: 'usd',
      invoice: invoice.id,
      pricing: { price_details: { price: price.id } },
    });
    const finalized = await h.stripe.invoices.finalizeInvoice(invoice.id, { auto_advance: false });
    expect(finalized).toMatchObject({ status: 'open', amount_due: 1999, total: 1999 });
    expect(finalized.lines.data.map((l) => [l.amount, l.parent?.invoice_item_details?.invoice_item])).toEqual(
      [[1999, item.id]],
    );
    // No address on the customer: automatic tax cannot locate them (finalized untaxed, as Stripe says it).
    expect(finalized.automatic_tax).toMatchObject({ status: 'requires_location_inputs' });
    await expect(h.stripe.invoices.finalizeInvoice(invoice.id)).rejects.toMatchObject({
      code: 'invoice_not_editable',
    });
    h.webhooks.received.length = 0;
    const paid = await h.stripe.invoices.pay(invoice.id, { off_session: true });
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 1999, amount_remaining: 0 });
    const withPayments = await h.stripe.invoices.retrieve(invoice.id, { expand: ['payments'] });
    const pi = await h.stripe.paymentIntents.retrieve(
      idOf(withPayments.payments?.data[0]?.payment?.payment_intent),
    );
    expect(pi).toMatchObject({ status: 'succeeded', amount: 1999, payment_method: card });
    await h.emulator.whenDeliveriesSettled(5000);
    expect(h.webhooks.received.map((r) => r.event.type)).toEqual(
      expect.arrayContaining(['payment_intent.succeeded', 'invoice_payment.paid', 'invoice.paid']),
    );
    await expect(h.stripe.invoices.pay(invoice.id)).rejects.toMatchObject({ code: 'invoice_already_paid' });
  });

  it('a declined card: 402 card_declined, invoice.payment_failed, the invoice stays open', async () => {
    const { customer, card } = await customerWithCard('4000000000000341');
    const { invoice } = await draft(customer, card);
    await h.stripe.invoices.finalizeInvoice(invoice.id);
    h.webhooks.received.length = 0;
    await expect(h.stripe.invoices.pay(invoice.id, { off_session: true })).rejects.toMatchObject({
      type: 'StripeCardError',
      code: 'card_declined',
    });
    expect(await h.stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'open', attempt_count: 1 });
    await h.emulator.whenDeliveriesSettled(5000);
    expect(h.webhooks.received.map((r) => r.event.type)).toContain('invoice.payment_failed');
  });

  it('a 3-D Secure card off-session: authentication_required and invoice.payment_action_required', async () => {
    const { customer, card } = await customerWithCard('4000002760003184');
    const { invoice } = await draft(customer, card);
    await h.stripe.invoices.finalizeInvoice(invoice.id);
    h.webhooks.received.length = 0;
    const err = (await h.stripe.invoices.pay(invoice.id, { off_session: true }).catch((e: unknown) => e)) as {
      code: string;
      payment_intent?: Stripe.PaymentIntent;
    };
    expect(err.code).toBe('authentication_required');
    expect(err.payment_intent).toMatchObject({ status: 'requires_payment_method', amount: 1999 });
    expect(await h.stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'open' });
    await h.emulator.whenDeliveriesSettled(5000);
    expect(h.webhooks.received.map((r) => r.event.type)).toContain('invoice.payment_action_required');

    // The customer opens the hosted invoice page, passes the bank's step there, and the invoice is paid.
    const open = await h.stripe.invoices.retrieve(invoice.id);
    expect(await (await fetch(open.hosted_invoice_url!)).text()).toContain('Authenticate and pay');
    const failed = await fetch(open.hosted_invoice_url!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'outcome=fail',
    });
    expect(failed.status).toBe(200);
    expect(await h.stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'open' });
    const passed = await fetch(open.hosted_invoice_url!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'outcome=pass',
    });
    expect(await passed.text()).toContain('Status: paid');
    expect(await h.stripe.invoices.retrieve(invoice.id)).toMatchObject({ status: 'paid', amount_paid: 1999 });
  });
});
