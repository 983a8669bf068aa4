import type Stripe from 'stripe';
import type { Ctx } from '../ctx';
import { ApiError, invalidRequest } from '../errors';
import type { Store } from '../store';
import type { Obj } from '../types';

/**
 * Stripe Tax, emulated: a small fixed rate table by country (and US state), `tax_behavior` inclusive and
 * exclusive, customer locations, tax IDs with Stripe's validation errors and the account's tax settings.
 * The emulated account is registered everywhere the table has a rate; elsewhere it is `not_collecting`.
 */

export interface TaxJurisdiction {
  country: string;
  state: string | null;
  percentage: number;
  display_name: 'VAT' | 'GST' | 'Sales Tax' | 'JCT';
  tax_type: Stripe.TaxRate.TaxType;
  jurisdiction: string;
}

const vat = (country: string, percentage: number, jurisdiction: string): TaxJurisdiction => ({
  country,
  state: null,
  percentage,
  display_name: 'VAT',
  tax_type: 'vat',
  jurisdiction,
});

const usState = (state: string, percentage: number): TaxJurisdiction => ({
  country: 'US',
  state,
  percentage,
  display_name: 'Sales Tax',
  tax_type: 'sales_tax',
  jurisdiction: state,
});

/** The documented rate table (README "Tax"). */
export const TAX_RATE_TABLE: readonly TaxJurisdiction[] = [
  vat('AT', 20, 'Austria'),
  vat('BE', 21, 'Belgium'),
  vat('DE', 19, 'Germany'),
  vat('ES', 21, 'Spain'),
  vat('FR', 20, 'France'),
  vat('IE', 23, 'Ireland'),
  vat('IT', 22, 'Italy'),
  vat('NL', 21, 'Netherlands'),
  vat('PL', 23, 'Poland'),
  vat('SE', 25, 'Sweden'),
  vat('GB', 20, 'United Kingdom'),
  vat('CH', 8.1, 'Switzerland'),
  vat('NO', 25, 'Norway'),
  {
    country: 'AU',
    state: null,
    percentage: 10,
    display_name: 'GST',
    tax_type: 'gst',
    jurisdiction: 'Australia',
  },
  {
    country: 'NZ',
    state: null,
    percentage: 15,
    display_name: 'GST',
    tax_type: 'gst',
    jurisdiction: 'New Zealand',
  },
  { country: 'CA', state: null, percentage: 5, display_name: 'GST', tax_type: 'gst', jurisdiction: 'Canada' },
  { country: 'JP', state: null, percentage: 10, display_name: 'JCT', tax_type: 'jct', jurisdiction: 'Japan' },
  usState('CA', 7.25),
  usState('FL', 6),
  usState('NY', 4),
  usState('TX', 6.25),
  usState('WA', 6.5),
];

export type Address = Stripe.Address;

/** Where Stripe Tax can locate a customer: a country, and for the US a state and postal code. */
export function taxLocation(
  address: Partial<Address> | null | undefined,
): { country: string; state: string | null } | null {
  const country = address?.country?.toUpperCase();
  if (!country || !/^[A-Z]{2}$/.test(country)) return null;
  if (country === 'US' && (!address?.state || !address.postal_code)) return null;
  return { country, state: country === 'US' ? address!.state!.toUpperCase() : null };
}

export function jurisdictionFor(location: { country: string; state: string | null }): TaxJurisdiction | null {
  return (
    TAX_RATE_TABLE.find(
      (j) => j.country === location.country && (j.country !== 'US' || j.state === location.state),
    ) ?? null
  );
}

/** The tax_rate object of a jurisdiction, created once with a stable id (`txr_emu_DE`, `txr_emu_US_CA`). */
export function taxRateFor(store: Store, j: TaxJurisdiction, now: number): Obj<Stripe.TaxRate> {
  const id = `txr_emu_${j.country}${j.state ? `_${j.state}` : ''}`;
  const existing = store.get<Obj<Stripe.TaxRate>>(id);
  if (existing) return existing;
  return store.insert<Obj<Stripe.TaxRate>>({
    id,
    object: 'tax_rate',
    active: true,
    country: j.country,
    created: now,
    description: null,
    display_name: j.display_name,
    effective_percentage: j.percentage,
    flat_amount: null,
    inclusive: false,
    jurisdiction: j.jurisdiction,
    jurisdiction_level: j.state ? 'state' : 'country',
    livemode: false,
    metadata: {},
    percentage: j.percentage,
    rate_type: 'percentage',
    state: j.state,
    tax_type: j.tax_type,
  });
}

export type TaxBehavior = 'inclusive' | 'exclusive';

/** The tax on an amount: added on top (exclusive) or the part of the amount that is tax (inclusive). */
export function taxOn(amount: number, percentage: number, behavior: TaxBehavior): number {
  if (amount <= 0 || percentage <= 0) return 0;
  if (behavior === 'exclusive') return Math.round((amount * percentage) / 100);
  return amount - Math.round((amount * 100) / (100 + percentage));
}

/** A price's effective behavior: its own, else the account default (exclusive when unset). */
export function behaviorOf(
  store: Store,
  price: { tax_behavior?: string | null } | null | undefined,
): TaxBehavior {
  const own = price?.tax_behavior;
  if (own === 'inclusive' || own === 'exclusive') return own;
  return taxSettings(store).defaults.tax_behavior === 'inclusive' ? 'inclusive' : 'exclusive';
}

export interface ComputedTax {
  amount: number;
  taxableAmount: number;
  behavior: TaxBehavior;
  rate: Obj<Stripe.TaxRate> | null;
  reason: 'standard_rated' | 'not_collecting';
}

/** The tax of one line at a location. */
export function computeLineTax(
  store: Store,
  amount: number,
  behavior: TaxBehavior,
  location: { country: string; state: string | null },
  now: number,
): ComputedTax {
  const j = jurisdictionFor(location);
  if (!j) return { amount: 0, taxableAmount: 0, behavior, rate: null, reason: 'not_collecting' };
  const tax = taxOn(amount, j.percentage, behavior);
  return {
    amount: tax,
    taxableAmount: behavior === 'inclusive' ? amount - tax : amount,
    behavior,
    rate: taxRateFor(store, j, now),
    reason: 'standard_rated',
  };
}

// ------------------------------------------------------------------ settings

const INTERNAL_KEY = 'tax_settings';

export type TaxSettings = Stripe.Tax.Settings;

const activeSettings = (): TaxSettings => ({
  object: 'tax.settings',
  defaults: { provider: 'stripe', tax_behavior: null, tax_code: 'txcd_10000000' },
  head_office: {
    address: {
      city: 'South San Francisco',
      country: 'US',
      line1: '354 Oyster Point Blvd',
      line2: null,
      postal_code: '94080',
      state: 'CA',
    },
  },
  livemode: false,
  status: 'active',
  status_details: { active: {} },
});

/** The account's tax settings (kept in the store's internal state so they persist with it). */
export function taxSettings(store: Store): TaxSettings {
  const internal = store.internal as unknown as Record<string, TaxSettings | undefined>;
  internal[INTERNAL_KEY] ??= activeSettings();
  return internal[INTERNAL_KEY];
}

/** Emulator option: start with Stripe Tax not set up (no head office → `pending`). */
export function makeTaxPending(store: Store): void {
  const s = taxSettings(store);
  s.head_office = null;
  s.status = 'pending';
  s.status_details = { pending: { missing_fields: ['head_office'] } };
}

export function setHeadOffice(store: Store, address: Address): void {
  const s = taxSettings(store);
  s.head_office = { address };
  s.status = 'active';
  s.status_details = { active: {} };
}

/** Stripe refuses automatic tax while Stripe Tax is not active on the account. */
export function assertTaxActive(store: Store, param: string): void {
  if (taxSettings(store).status === 'active') return;
  throw invalidRequest(
    'Stripe Tax has not been activated on your account. Please visit https://stripe.com/docs/tax/set-up to get started.',
    param,
    'stripe_tax_inactive',
  );
}

export const locationInvalid = (param?: string): ApiError =>
  invalidRequest(
    "The customer's location isn't recognized. Provide a valid address (a country, and for the US a state and postal code) so that tax can be calculated.",
    param,
    'customer_tax_location_invalid',
  );

/** The `tax` field of a customer (expand[]=tax). */
export function customerTax(customer: { address?: Partial<Address> | null }): Stripe.Customer.Tax {
  const loc = taxLocation(customer.address);
  return {
    automatic_tax: !loc ? 'unrecognized_location' : jurisdictionFor(loc) ? 'supported' : 'not_collecting',
    ip_address: null,
    location: loc ? { country: loc.country, source: 'billing_address', state: loc.state } : null,
    provider: 'stripe',
  };
}

export const customerOf = (ctx: Ctx, id: string | null | undefined): Obj<Stripe.Customer> | undefined =>
  id ? ctx.store.get<Obj<Stripe.Customer>>(id) : undefined;
