import type { Ctx } from '../ctx';
import { idOf } from '../ids';
import type { MeteredLine } from '../store';
import { aggregateUsage, type Meter } from './meters';
import {
  attemptInvoicePayment,
  createSubscriptionInvoice,
  finalizeInvoice,
  retotalSubscriptionInvoice,
  type Invoice,
  type LineSpec,
  type Subscription,
} from './invoicing';
import { amountFor, billedQuantity, isMetered, lineDescription, productName, type Price } from './pricing';

/** How long Stripe leaves a subscription's renewal invoice in draft before it finalizes and charges it. */
export const RENEWAL_DRAFT_SECONDS = 3600;

type ItemPeriod = { item: string; price: Price; start: number; end: number };

/** The usage of one metered item over a period: a customer's aggregated meter value (never below 0). */
function usage(ctx: Ctx, sub: Subscription, price: Price, start: number, end: number): number {
  const meter = ctx.store.get<Meter>(price.recurring?.meter ?? '');
  return meter ? Math.max(0, aggregateUsage(ctx, meter, idOf(sub.customer), start, end)) : 0;
}

/** Amount and description of a usage line (usage in a trial period is shown but not charged). */
function usageLine(
  ctx: Ctx,
  sub: Subscription,
  price: Price,
  quantity: number,
  trial: boolean,
): { amount: number; description: string } {
  const currency = sub.currency ?? 'usd';
  return {
    amount: trial ? 0 : amountFor(price, currency, billedQuantity(price, quantity)),
    description: trial
      ? `Trial period for ${productName(ctx.store, price)}`
      : lineDescription(ctx.store, price, quantity, currency),
  };
}

/** Lines in arrears for the metered items of a subscription over the periods that just ended. */
export function usageLines(ctx: Ctx, sub: Subscription, ended: ItemPeriod[], trial: boolean): LineSpec[] {
  return ended
    .filter((p) => isMetered(p.price))
    .map((p) => {
      const quantity = usage(ctx, sub, p.price, p.start, p.end);
      return {
        ...usageLine(ctx, sub, p.price, quantity, trial),
        price: p.price,
        quantity,
        period: { start: p.start, end: p.end },
        proration: false,
        subscriptionItem: p.item,
      };
    });
}

/**
 * A renewal invoice with metered lines stays a draft for an hour (`automatically_finalizes_at`), as Stripe's
 * renewal invoices do: late meter events for the ended period still count when it finalizes.
 */
export function createMeteredRenewalDraft(
  ctx: Ctx,
  sub: Subscription,
  specs: LineSpec[],
  period: { start: number; end: number },
  trial: boolean,
  now: number,
): Invoice {
  const invoice = createSubscriptionInvoice(ctx, sub, 'subscription_cycle', specs, period, now, (inv) => {
    inv.automatically_finalizes_at = now + RENEWAL_DRAFT_SECONDS;
  });
  const lines = invoice.lines?.data ?? [];
  ctx.store.internal.meteredLines[invoice.id] = specs.flatMap((s, i): MeteredLine[] =>
    isMetered(s.price) && !s.proration
      ? [{ line: lines[i].id, price: s.price.id, start: s.period.start, end: s.period.end, trial }]
      : [],
  );
  sub.latest_invoice = invoice.id;
  return invoice;
}

/** Count the metered lines of a draft invoice again from the meters, then its totals and tax. */
export function refreshMeteredLines(ctx: Ctx, invoice: Invoice, sub: Subscription, now: number): void {
  const metered = ctx.store.internal.meteredLines[invoice.id];
  if (!metered) return;
  for (const m of metered) {
    const line = invoice.lines?.data.find((l) => l.id === m.line);
    const price = ctx.store.get<Price>(m.price);
    if (!line || !price) continue;
    const quantity = usage(ctx, sub, price, m.start, m.end);
    const { amount, description } = usageLine(ctx, sub, price, quantity, m.trial);
    Object.assign(line, { quantity, amount, subtotal: amount, description });
  }
  delete ctx.store.internal.meteredLines[invoice.id];
  retotalSubscriptionInvoice(ctx, invoice, sub, now);
}

/** The draft window is over: count usage again, finalize and charge (status `past_due` when it fails). */
export function finalizeMeteredRenewal(ctx: Ctx, invoice: Invoice, sub: Subscription, now: number): boolean {
  refreshMeteredLines(ctx, invoice, sub, now);
  invoice.automatically_finalizes_at = null;
  finalizeInvoice(ctx, invoice, now);
  return attemptInvoicePayment(ctx, invoice, sub, now);
}

/** Draft renewal invoices of a subscription that finalize by themselves. */
export const pendingDrafts = (ctx: Ctx, sub: Subscription): Invoice[] =>
  ctx.store.all<Invoice>(
    'invoice',
    (i) =>
      i.status === 'draft' &&
      !!i.automatically_finalizes_at &&
      idOf(i.parent?.subscription_details?.subscription) === sub.id,
  );
