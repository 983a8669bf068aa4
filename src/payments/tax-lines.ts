import type Stripe from 'stripe';
import type { CheckoutAmountsDto, TaxLineDto } from './dto/tax.dto';

/** Stripe's tax amounts → Tollgate's per-rate lines. Pure, except for the rate lookup the caller passes in. */

type Rate = Pick<Stripe.TaxRate, 'id' | 'display_name' | 'percentage' | 'country' | 'state'>;

const line = (
  rate: Rate | null,
  rateId: string | null,
  behavior: string | null,
  taxable: number,
  amount: number,
): TaxLineDto => ({
  tax_rate_id: rate?.id ?? rateId,
  display_name: rate?.display_name ?? null,
  percentage: rate?.percentage ?? null,
  country: rate?.country ?? null,
  state: rate?.state ?? null,
  tax_behavior: behavior,
  taxable_amount: taxable,
  amount,
});

/** Adds up lines of the same rate and behavior. */
function merge(lines: TaxLineDto[]): TaxLineDto[] {
  const out = new Map<string, TaxLineDto>();
  for (const l of lines) {
    const key = `${l.tax_rate_id}:${l.tax_behavior}`;
    const seen = out.get(key);
    if (seen) {
      seen.amount += l.amount;
      seen.taxable_amount += l.taxable_amount;
    } else out.set(key, { ...l });
  }
  return [...out.values()];
}

/** A checkout session's amounts, from the session with `line_items` (and their `taxes`) expanded. */
export function checkoutAmounts(session: Stripe.Checkout.Session): CheckoutAmountsDto {
  const taxes = (session.line_items?.data ?? []).flatMap((item) =>
    (item.taxes ?? []).map((t) =>
      line(t.rate, t.rate.id, item.price?.tax_behavior ?? null, t.taxable_amount ?? 0, t.amount),
    ),
  );
  return {
    currency: session.currency ?? 'usd',
    subtotal: session.amount_subtotal ?? 0,
    discount: session.total_details?.amount_discount ?? 0,
    tax: session.total_details?.amount_tax ?? 0,
    total: session.amount_total ?? 0,
    tax_status: session.automatic_tax?.enabled ? (session.automatic_tax.status ?? null) : null,
    taxes: merge(taxes),
  };
}

/** All tax on an invoice (inclusive and exclusive), integer minor units. */
export const invoiceTax = (invoice: Stripe.Invoice): number =>
  (invoice.total_taxes ?? []).reduce((sum, t) => sum + t.amount, 0);

/** The tax rate ids an invoice's taxes name (to look their details up once). */
export const invoiceTaxRateIds = (invoice: Stripe.Invoice): string[] =>
  (invoice.total_taxes ?? []).flatMap((t) => (t.tax_rate_details ? [t.tax_rate_details.tax_rate] : []));

/** An invoice's per-rate tax lines, with the details of the rates looked up by id. */
export function invoiceTaxLines(invoice: Stripe.Invoice, rates: ReadonlyMap<string, Rate>): TaxLineDto[] {
  return merge(
    (invoice.total_taxes ?? []).map((t) => {
      const id = t.tax_rate_details?.tax_rate ?? null;
      return line(id ? (rates.get(id) ?? null) : null, id, t.tax_behavior, t.taxable_amount ?? 0, t.amount);
    }),
  );
}
