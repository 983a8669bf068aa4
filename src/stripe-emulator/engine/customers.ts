import type Stripe from 'stripe';
import type { Ctx } from '../ctx';
import { newId, randomToken } from '../ids';
import type { Obj } from '../types';

export type Customer = Obj<Stripe.Customer>;

export interface NewCustomer {
  email?: string | null;
  name?: string | null;
  description?: string | null;
  phone?: string | null;
  metadata?: Record<string, string>;
  test_clock?: string | null;
}

/** Create a customer (cus_) and emit customer.created. */
export function createCustomer(
  ctx: Ctx,
  input: NewCustomer,
  now: number,
  /** validates/adds fields before anything is stored (throws → nothing created) */
  prepare?: (customer: Customer) => void,
): Customer {
  const customer: Customer = {
    id: newId('cus'),
    object: 'customer',
    address: null,
    balance: 0,
    created: now,
    currency: null,
    default_source: null,
    delinquent: false,
    description: input.description ?? null,
    discount: null,
    email: input.email ?? null,
    invoice_prefix: randomToken(8).toUpperCase(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: input.metadata ?? {},
    name: input.name ?? null,
    next_invoice_sequence: 1,
    phone: input.phone ?? null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: input.test_clock ?? null,
  };
  prepare?.(customer);
  ctx.store.insert(customer);
  ctx.events.emit('customer.created', customer, { created: now });
  return customer;
}
