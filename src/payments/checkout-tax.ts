import type Stripe from 'stripe';

/**
 * What a checkout asks of Stripe Tax when STRIPE_AUTOMATIC_TAX is on: calculate tax, collect the billing
 * address Stripe needs to locate the buyer and save it (and the name) onto the customer, and offer tax ID
 * collection for business buyers. A subscription created by the checkout keeps automatic tax on its renewals.
 * A customer without a usable location is therefore asked for one on the payment page, never refused.
 */
export function checkoutTaxParams(
  automaticTax: boolean,
): Pick<
  Stripe.Checkout.SessionCreateParams,
  'automatic_tax' | 'billing_address_collection' | 'customer_update' | 'tax_id_collection'
> {
  if (!automaticTax) return {};
  return {
    automatic_tax: { enabled: true },
    billing_address_collection: 'required',
    customer_update: { address: 'auto', name: 'auto' },
    tax_id_collection: { enabled: true },
  };
}
