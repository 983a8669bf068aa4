import type Stripe from 'stripe';
import { checkoutAmounts, invoiceTax, invoiceTaxLines, invoiceTaxRateIds } from './tax-lines';

const vat = {
  id: 'txr_de',
  display_name: 'VAT',
  percentage: 19,
  country: 'DE',
  state: null,
} as Stripe.TaxRate;

describe('tax lines (Stripe tax amounts → per-rate lines)', () => {
  it('sums a session’s line taxes per rate and behavior, and reports Stripe Tax’s status', () => {
    const item = (amount: number, taxable: number, behavior: 'inclusive' | 'exclusive') =>
      ({
        price: { tax_behavior: behavior },
        taxes: [{ amount, rate: vat, taxability_reason: 'standard_rated', taxable_amount: taxable }],
      }) as unknown as Stripe.LineItem;
    const session = {
      currency: 'eur',
      amount_subtotal: 3000,
      amount_total: 3380,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 570 },
      automatic_tax: { enabled: true, status: 'complete' },
      line_items: {
        data: [item(190, 1000, 'exclusive'), item(190, 1000, 'exclusive'), item(190, 1000, 'inclusive')],
      },
    } as unknown as Stripe.Checkout.Session;
    expect(checkoutAmounts(session)).toEqual({
      currency: 'eur',
      subtotal: 3000,
      discount: 0,
      tax: 570,
      total: 3380,
      tax_status: 'complete',
      taxes: [
        {
          tax_rate_id: 'txr_de',
          display_name: 'VAT',
          percentage: 19,
          country: 'DE',
          state: null,
          tax_behavior: 'exclusive',
          taxable_amount: 2000,
          amount: 380,
        },
        {
          tax_rate_id: 'txr_de',
          display_name: 'VAT',
          percentage: 19,
          country: 'DE',
          state: null,
          tax_behavior: 'inclusive',
          taxable_amount: 1000,
          amount: 190,
        },
      ],
    });
  });

  it('tax off: no status, no lines, zero tax', () => {
    const session = {
      currency: 'usd',
      amount_subtotal: 1999,
      amount_total: 1999,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      automatic_tax: { enabled: false, status: null },
    } as unknown as Stripe.Checkout.Session;
    expect(checkoutAmounts(session)).toMatchObject({ tax: 0, tax_status: null, taxes: [] });
  });

  it('reads an invoice’s total_taxes with the rate details looked up by id (unknown rate: id only)', () => {
    const invoice = {
      total_taxes: [
        {
          amount: 570,
          tax_behavior: 'exclusive',
          tax_rate_details: { tax_rate: 'txr_de' },
          taxable_amount: 2999,
        },
        {
          amount: 10,
          tax_behavior: 'exclusive',
          tax_rate_details: { tax_rate: 'txr_gone' },
          taxable_amount: 100,
        },
      ],
    } as unknown as Stripe.Invoice;
    expect(invoiceTax(invoice)).toBe(580);
    expect(invoiceTaxRateIds(invoice)).toEqual(['txr_de', 'txr_gone']);
    expect(invoiceTaxLines(invoice, new Map([['txr_de', vat]]))).toEqual([
      {
        tax_rate_id: 'txr_de',
        display_name: 'VAT',
        percentage: 19,
        country: 'DE',
        state: null,
        tax_behavior: 'exclusive',
        taxable_amount: 2999,
        amount: 570,
      },
      {
        tax_rate_id: 'txr_gone',
        display_name: null,
        percentage: null,
        country: null,
        state: null,
        tax_behavior: 'exclusive',
        taxable_amount: 100,
        amount: 10,
      },
    ]);
    expect(invoiceTax({ total_taxes: null } as Stripe.Invoice)).toBe(0);
  });
});
