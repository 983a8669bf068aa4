import { Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { refId } from '../stripe/stripe-refs';
import { PlansService } from '../plans/plans.service';
import { UsersService } from '../users/users.service';
import { invoiceTax, invoiceTaxLines, invoiceTaxRateIds } from './tax-lines';
import type { InvoiceDto, InvoiceLineDto, InvoicesQueryDto, InvoicesResponseDto } from './dto/invoices.dto';

const isoSeconds = (s: number): string => new Date(s * 1000).toISOString();

/** The caller's invoices, read from Stripe by their own customer id (never one the client names). */
@Injectable()
export class InvoicesService {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    private readonly users: UsersService,
    private readonly plans: PlansService,
  ) {}

  async list(userId: string, query: InvoicesQueryDto): Promise<InvoicesResponseDto> {
    const user = await this.users.getById(userId);
    if (!user.customerId) return { invoices: [], has_more: false };
    const page = await this.stripe.invoices.list({
      customer: user.customerId,
      limit: query.limit,
      ...(query.starting_after ? { starting_after: query.starting_after } : {}),
    });
    // Stripe filters by customer already; keep the guarantee local too.
    const own = page.data.filter((i) => refId(i.customer) === user.customerId);
    const [rates, overage] = await Promise.all([this.taxRates(own), this.plans.overagePriceIds()]);
    return { invoices: own.map((i) => this.toDto(i, rates, overage)), has_more: page.has_more };
  }

  /** The details (name, percentage, country) of every tax rate the invoices name, each read once. */
  private async taxRates(invoices: Stripe.Invoice[]): Promise<Map<string, Stripe.TaxRate>> {
    const ids = [...new Set(invoices.flatMap(invoiceTaxRateIds))];
    const rates = await Promise.all(ids.map((id) => this.stripe.taxRates.retrieve(id)));
    return new Map(rates.map((r) => [r.id, r]));
  }

  private toDto(
    i: Stripe.Invoice,
    rates: ReadonlyMap<string, Stripe.TaxRate>,
    overage: ReadonlySet<string>,
  ): InvoiceDto {
    return {
      id: i.id,
      number: i.number,
      status: i.status,
      billing_reason: i.billing_reason,
      amount_due: i.amount_due,
      amount_paid: i.amount_paid,
      currency: i.currency,
      created: isoSeconds(i.created),
      hosted_invoice_url: i.hosted_invoice_url ?? null,
      invoice_pdf: i.invoice_pdf ?? null,
      period_start: isoSeconds(i.period_start),
      period_end: isoSeconds(i.period_end),
      subtotal: i.subtotal,
      tax: invoiceTax(i),
      total: i.total,
      taxes: invoiceTaxLines(i, rates),
      customer_tax_ids: (i.customer_tax_ids ?? []).map((t) => ({ type: t.type, value: t.value ?? '' })),
      lines: (i.lines?.data ?? []).map((l) => lineDto(l, overage)),
    };
  }
}

/** One line as Stripe lists it with the invoice; `overage` when its price is a plan's metered overage price. */
function lineDto(l: Stripe.InvoiceLineItem, overage: ReadonlySet<string>): InvoiceLineDto {
  const price = refId(l.pricing?.price_details?.price ?? null);
  return {
    id: l.id,
    description: l.description ?? null,
    quantity: l.quantity ?? null,
    amount: l.amount,
    price_id: price,
    overage: !!price && overage.has(price),
    period_start: isoSeconds(l.period.start),
    period_end: isoSeconds(l.period.end),
  };
}
