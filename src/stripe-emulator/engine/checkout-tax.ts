import type Stripe from 'stripe';
import type { Ctx } from '../ctx';
import { invalidRequest } from '../errors';
import type { Params } from '../params';
import type { Obj } from '../types';
import type { Customer } from './customers';
import { createTaxId, taxIdsView, validateTaxId } from './tax-ids';
import {
  assertTaxActive,
  behaviorOf,
  computeLineTax,
  locationInvalid,
  taxLocation,
  type Address,
} from './tax';

type Session = Obj<Stripe.Checkout.Session>;
type LineItem = Obj<Stripe.LineItem>;

interface CheckoutTaxSettings {
  automatic_tax: Stripe.Checkout.Session.AutomaticTax;
  billing_address_collection: Stripe.Checkout.Session.BillingAddressCollection | null;
  tax_id_collection?: Stripe.Checkout.Session.TaxIdCollection;
  customer_update: { address?: string; name?: string };
}

/**
 * Session create: `automatic_tax`, `billing_address_collection`, `tax_id_collection`, `customer_update`.
 * Like Stripe: automatic tax needs Stripe Tax active, and an existing customer either with a location or with
 * `customer_update[address]=auto` (so the address typed in Checkout is saved and used).
 */
export function readCheckoutTaxParams(
  ctx: Ctx,
  p: Params,
  customer: Customer | undefined,
): CheckoutTaxSettings {
  const auto = p.obj('automatic_tax', ['enabled', 'liability']);
  const enabled = auto?.bool('enabled') ?? false;
  const collection = p.oneOf('billing_address_collection', ['auto', 'required']) ?? null;
  const taxIds = p.obj('tax_id_collection', ['enabled', 'required']);
  const update = p.obj('customer_update', ['address', 'name', 'shipping']);
  const customerUpdate = {
    address: update?.oneOf('address', ['auto', 'never']),
    name: update?.oneOf('name', ['auto', 'never']),
  };
  if (update && !customer) {
    throw invalidRequest('`customer_update` can only be used with `customer`.', 'customer_update');
  }
  if (enabled) {
    assertTaxActive(ctx.store, 'automatic_tax[enabled]');
    if (customer && !taxLocation(customer.address) && customerUpdate.address !== 'auto') {
      throw locationInvalid('automatic_tax[enabled]');
    }
  }
  const idsEnabled = taxIds?.bool('enabled') ?? false;
  if (idsEnabled && customer && customerUpdate.name !== 'auto') {
    throw invalidRequest(
      'Tax ID collection requires updating business name on the customer. To enable tax ID collection for an existing customer, please set `customer_update[name]` to `auto`.',
      'tax_id_collection[enabled]',
    );
  }
  return {
    automatic_tax: {
      enabled,
      liability: enabled ? { type: 'self' } : null,
      provider: enabled ? 'stripe' : null,
      status: enabled ? (taxLocation(customer?.address) ? 'complete' : 'requires_location_inputs') : null,
    },
    billing_address_collection: collection,
    tax_id_collection: taxIds
      ? { enabled: idsEnabled, required: taxIds.oneOf('required', ['if_supported', 'never']) ?? 'never' }
      : undefined,
    customer_update: customerUpdate,
  };
}

/** Remember `customer_update` for completion (kept in the store's internal flags, persisted with it). */
export function rememberCustomerUpdate(
  ctx: Ctx,
  sessionId: string,
  update: { address?: string; name?: string },
): void {
  if (update.address === 'auto') ctx.store.internal.flags[`customer_update.address:${sessionId}`] = true;
  if (update.name === 'auto') ctx.store.internal.flags[`customer_update.name:${sessionId}`] = true;
}

/** Apply automatic tax to a session's lines and totals at a location (no-op when tax is off). */
export function applySessionTax(
  ctx: Ctx,
  session: Session,
  lines: LineItem[],
  address: Partial<Address> | null | undefined,
): void {
  if (!session.automatic_tax?.enabled) return;
  const location = taxLocation(address);
  session.automatic_tax = {
    ...session.automatic_tax,
    status: location ? 'complete' : 'requires_location_inputs',
  };
  if (!location) return;
  let exclusive = 0;
  let total = 0;
  for (const li of lines) {
    const base = (li.amount_subtotal ?? 0) - (li.amount_discount ?? 0);
    const tax = computeLineTax(
      ctx.store,
      base,
      behaviorOf(ctx.store, li.price),
      location,
      session.created ?? 0,
    );
    li.amount_tax = tax.amount;
    li.taxes = tax.rate
      ? [
          {
            amount: tax.amount,
            rate: tax.rate as Stripe.TaxRate,
            taxability_reason: tax.reason,
            taxable_amount: tax.taxableAmount,
          },
        ]
      : [];
    li.amount_total = base + (tax.behavior === 'exclusive' ? tax.amount : 0);
    if (tax.behavior === 'exclusive') exclusive += tax.amount;
    total += tax.amount;
  }
  session.amount_total = (session.amount_total ?? 0) + exclusive;
  session.total_details = { ...session.total_details!, amount_tax: total };
}

export interface BillingInput {
  address?: Partial<Address>;
  name?: string;
  taxId?: { type: string; value: string };
}

/**
 * The hosted form's billing details. Returns the address tax uses, or an error message when the session
 * requires an address (or automatic tax cannot locate the buyer) and none was given.
 */
export function collectBilling(
  ctx: Ctx,
  session: Session,
  input: BillingInput,
): { address: Address | null; error?: string } {
  const customer =
    typeof session.customer === 'string' ? ctx.store.get<Customer>(session.customer) : undefined;
  const given = input.address?.country ? normalize(input.address) : null;
  const address = given ?? customer?.address ?? null;
  const needed = session.billing_address_collection === 'required' || session.automatic_tax?.enabled;
  if (needed && !address?.country)
    return { address, error: 'Enter your billing address (with its country).' };
  if (session.automatic_tax?.enabled && !taxLocation(address)) {
    return {
      address,
      error: 'Enter a complete billing address so tax can be calculated (US: state and ZIP code).',
    };
  }
  if (input.taxId?.value) {
    if (!session.tax_id_collection?.enabled)
      return { address, error: 'Tax IDs are not collected on this page.' };
    try {
      validateTaxId(input.taxId.type, input.taxId.value);
    } catch (err) {
      return { address, error: (err as Error).message };
    }
  }
  return { address };
}

const normalize = (a: Partial<Address>): Address => ({
  line1: a.line1 || null,
  line2: a.line2 || null,
  city: a.city || null,
  state: a.state ? a.state.toUpperCase() : null,
  postal_code: a.postal_code || null,
  country: a.country ? a.country.toUpperCase() : null,
});

/** On completion: save address/name on the customer (customer_update auto), add the tax ID, fill customer_details. */
export function saveBilling(
  ctx: Ctx,
  session: Session,
  customer: Customer,
  address: Address | null,
  input: BillingInput,
  now: number,
): void {
  const flags = ctx.store.internal.flags;
  const before = { address: customer.address, name: customer.name };
  const newCustomer = !before.address && !before.name;
  if (address && (flags[`customer_update.address:${session.id}`] || newCustomer)) customer.address = address;
  if (input.name && (flags[`customer_update.name:${session.id}`] || newCustomer)) customer.name = input.name;
  if (customer.address !== before.address || customer.name !== before.name) {
    const previous: Record<string, unknown> = {};
    if (customer.address !== before.address) previous.address = before.address ?? null;
    if (customer.name !== before.name) previous.name = before.name ?? null;
    ctx.events.emit('customer.updated', customer, { previous, created: now });
  }
  if (input.taxId?.value && session.tax_id_collection?.enabled) {
    createTaxId(ctx, customer.id, input.taxId.type, input.taxId.value, now);
  }
  session.customer_details = {
    address,
    business_name: input.taxId?.value ? (input.name ?? null) : null,
    email: customer.email ?? null,
    individual_name: null,
    name: input.name ?? customer.name ?? null,
    phone: null,
    tax_exempt: 'none',
    tax_ids: taxIdsView(ctx, customer.id),
  };
}
