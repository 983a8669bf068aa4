import type Stripe from 'stripe';
import type { Ctx } from '../ctx';
import { idOf } from '../ids';
import type { Obj } from '../types';
import { taxIdsView } from './tax-ids';
import { behaviorOf, computeLineTax, taxLocation } from './tax';

type Invoice = Obj<Stripe.Invoice>;
type Subscription = Obj<Stripe.Subscription>;

const disabledTax = (): Stripe.Invoice.AutomaticTax => ({
  disabled_reason: null,
  enabled: false,
  liability: null,
  provider: null,
  status: null,
});

/**
 * Automatic tax on a (draft) subscription invoice, from the customer's address: per-line `taxes`,
 * `total_taxes`, `total`, `amount_due`, the `*_excluding_tax` totals, and the customer's address and tax IDs.
 * Without a usable location the invoice is finalized untaxed with `finalization_requires_location_inputs`
 * (and the subscription's `automatic_tax.disabled_reason` says `requires_location_inputs`), like Stripe.
 */
export function applyInvoiceTax(ctx: Ctx, invoice: Invoice, sub: Subscription, now: number): void {
  const enabled = !!sub.automatic_tax?.enabled;
  const located = taxInvoice(ctx, invoice, enabled, now);
  if (enabled)
    sub.automatic_tax = {
      ...sub.automatic_tax!,
      disabled_reason: located ? null : 'requires_location_inputs',
    };
}

/**
 * Automatic tax on a draft invoice (a subscription's, or a one-off invoice created with
 * `automatic_tax[enabled]=true`): returns whether the customer's address located them.
 */
export function taxInvoice(ctx: Ctx, invoice: Invoice, enabled: boolean, now: number): boolean {
  const customer = ctx.store.get<Obj<Stripe.Customer>>(idOf(invoice.customer));
  invoice.customer_address = customer?.address ?? null;
  invoice.customer_tax_ids = customer ? taxIdsView(ctx, customer.id) : [];
  invoice.customer_tax_exempt = 'none';
  invoice.automatic_tax = disabledTax();
  if (!enabled) return false;
  const location = taxLocation(customer?.address);
  invoice.automatic_tax = {
    disabled_reason: location ? null : 'finalization_requires_location_inputs',
    enabled: !!location,
    liability: { type: 'self' },
    provider: 'stripe',
    status: location ? 'complete' : 'requires_location_inputs',
  };
  if (!location) return false;

  const lines = invoice.lines?.data ?? [];
  const subtotal = lines.reduce((s, l) => s + l.amount, 0);
  const discount = (invoice.total_discount_amounts ?? []).reduce((s, d) => s + d.amount, 0);
  let discountLeft = discount;
  let exclusive = 0;
  let inclusive = 0;
  const totals: Stripe.Invoice.TotalTax[] = [];
  lines.forEach((line, i) => {
    const share =
      i === lines.length - 1 ? discountLeft : subtotal ? Math.round((discount * line.amount) / subtotal) : 0;
    discountLeft -= share;
    const price = ctx.store.get<Obj<Stripe.Price>>(idOf(line.pricing?.price_details?.price));
    const tax = computeLineTax(
      ctx.store,
      Math.max(0, line.amount - share),
      behaviorOf(ctx.store, price),
      location,
      now,
    );
    const entry = {
      amount: tax.amount,
      tax_behavior: tax.behavior,
      tax_rate_details: tax.rate ? { tax_rate: tax.rate.id } : null,
      taxability_reason: tax.reason,
      taxable_amount: tax.taxableAmount,
      type: 'tax_rate_details' as const,
    };
    line.taxes = [entry];
    totals.push(entry);
    if (tax.behavior === 'exclusive') exclusive += tax.amount;
    else inclusive += tax.amount;
  });
  invoice.total_taxes = mergeByRate(totals);
  invoice.subtotal_excluding_tax = (invoice.subtotal ?? 0) - inclusive;
  invoice.total = (invoice.total ?? 0) + exclusive;
  invoice.total_excluding_tax = invoice.total - exclusive - inclusive;
  invoice.amount_due = Math.max(0, invoice.total);
  invoice.amount_remaining = invoice.amount_due;
  return true;
}

/** One `total_taxes` entry per rate and behavior. */
function mergeByRate(entries: Stripe.Invoice.TotalTax[]): Stripe.Invoice.TotalTax[] {
  const out = new Map<string, Stripe.Invoice.TotalTax>();
  for (const e of entries) {
    const key = `${e.tax_rate_details?.tax_rate ?? 'none'}:${e.tax_behavior}`;
    const seen = out.get(key);
    if (seen) {
      seen.amount += e.amount;
      seen.taxable_amount = (seen.taxable_amount ?? 0) + (e.taxable_amount ?? 0);
    } else out.set(key, { ...e });
  }
  return [...out.values()];
}
