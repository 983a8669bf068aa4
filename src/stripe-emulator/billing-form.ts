import type Stripe from 'stripe';
import type { BillingInput } from './engine/checkout-tax';
import { formatAmount } from './money';
import { escapeHtml } from './html';

/** The hosted checkout page's billing-details part: address, name, tax ID, and the tax summary. */

const field = (id: string, label: string, value = ''): string =>
  `<label for="${id}">${label}</label><input id="${id}" name="${id}" value="${escapeHtml(value)}">`;

/** Address fields when the session collects a billing address or calculates tax; tax ID when collected. */
export function renderBillingFields(session: Stripe.Checkout.Session): string {
  const wantsAddress = session.billing_address_collection === 'required' || session.automatic_tax?.enabled;
  const address = wantsAddress
    ? `<fieldset><legend>Billing address</legend>${field('billing_name', 'Name')}${field('address_line1', 'Address')}${field(
        'address_city',
        'City',
      )}${field('address_state', 'State / region')}${field('address_postal_code', 'Postal code')}${field(
        'address_country',
        'Country (2 letters)',
      )}</fieldset>`
    : '';
  const taxId = session.tax_id_collection?.enabled
    ? `<fieldset><legend>Purchasing as a business</legend><label for="tax_id_type">Tax ID type</label><select id="tax_id_type" name="tax_id_type"><option value="eu_vat">EU VAT</option><option value="gb_vat">UK VAT</option><option value="ch_vat">Swiss VAT</option><option value="us_ein">US EIN</option><option value="au_abn">AU ABN</option></select>${field(
        'tax_id_value',
        'Tax ID',
      )}</fieldset>`
    : '';
  return address + taxId;
}

/** "Tax" line (per rate) once the session knows the buyer's location; a hint while it does not. */
export function renderTaxSummary(session: Stripe.Checkout.Session, lineItems: Stripe.LineItem[]): string {
  if (!session.automatic_tax?.enabled) return '';
  const cur = session.currency ?? 'usd';
  if (session.automatic_tax.status !== 'complete') {
    return '<p class="tax">Tax: calculated from your billing address</p>';
  }
  const rows = lineItems
    .flatMap((item) =>
      (item.taxes ?? []).map((t) => {
        const included = item.price?.tax_behavior === 'inclusive' ? ', included' : '';
        const where = escapeHtml(t.rate.jurisdiction ?? t.rate.country ?? '');
        return `<p class="tax">${escapeHtml(t.rate.display_name)} ${t.rate.percentage}% (${where}${included}): ${formatAmount(t.amount, cur)}</p>`;
      }),
    )
    .join('');
  return rows || `<p class="tax">Tax: ${formatAmount(session.total_details?.amount_tax ?? 0, cur)}</p>`;
}

/** The form fields back as completion input. */
export function billingFromForm(str: (k: string) => string | undefined): BillingInput {
  const country = str('address_country');
  const taxValue = str('tax_id_value');
  return {
    ...(country
      ? {
          address: {
            line1: str('address_line1') ?? null,
            line2: null,
            city: str('address_city') ?? null,
            state: str('address_state') ?? null,
            postal_code: str('address_postal_code') ?? null,
            country,
          },
        }
      : {}),
    ...(str('billing_name') ? { name: str('billing_name') } : {}),
    ...(taxValue ? { taxId: { type: str('tax_id_type') ?? 'eu_vat', value: taxValue } } : {}),
  };
}

/** The portal's "Billing information" form (name, address, tax ID) as the configuration allows. */
export function renderPortalCustomerForm(
  portalId: string,
  customer: Stripe.Customer,
  allowed: string[],
): string {
  if (allowed.length === 0) return '';
  const a = customer.address;
  const name = allowed.includes('name') ? field('billing_name', 'Name', customer.name ?? '') : '';
  const address = allowed.includes('address')
    ? `${field('address_line1', 'Address', a?.line1 ?? '')}${field('address_city', 'City', a?.city ?? '')}${field(
        'address_state',
        'State / region',
        a?.state ?? '',
      )}${field('address_postal_code', 'Postal code', a?.postal_code ?? '')}${field(
        'address_country',
        'Country (2 letters)',
        a?.country ?? '',
      )}`
    : '';
  const taxId = allowed.includes('tax_id')
    ? `<label for="tax_id_type">Tax ID type</label><select id="tax_id_type" name="tax_id_type"><option value="eu_vat">EU VAT</option><option value="gb_vat">UK VAT</option><option value="us_ein">US EIN</option></select>${field(
        'tax_id_value',
        'Add a tax ID',
      )}`
    : '';
  return `<h2>Billing information</h2><form method="POST" action="/billing/${escapeHtml(portalId)}/customer">${name}${address}${taxId}<button type="submit">Save</button></form>`;
}
