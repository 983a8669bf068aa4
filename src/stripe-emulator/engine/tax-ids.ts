import type Stripe from 'stripe';
import type { Ctx } from '../ctx';
import { invalidRequest } from '../errors';
import { newId } from '../ids';
import type { Obj } from '../types';

export type TaxId = Obj<Stripe.TaxId>;

/** Formats the emulator checks (Stripe checks every type; other known types accept any non-empty value). */
const FORMATS: Record<string, { country: string | null; pattern: RegExp }> = {
  eu_vat: {
    country: null,
    pattern:
      /^(AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI)[0-9A-Z]{8,12}$/,
  },
  gb_vat: { country: 'GB', pattern: /^GB(\d{9}|\d{12})$/ },
  ch_vat: { country: 'CH', pattern: /^CHE-?\d{3}\.?\d{3}\.?\d{3} ?(MWST|TVA|IVA)$/ },
  no_vat: { country: 'NO', pattern: /^\d{9}MVA$/ },
  us_ein: { country: 'US', pattern: /^\d{2}-?\d{7}$/ },
  ca_bn: { country: 'CA', pattern: /^\d{9}$/ },
  au_abn: { country: 'AU', pattern: /^\d{11}$/ },
  nz_gst: { country: 'NZ', pattern: /^\d{8,9}$/ },
  jp_trn: { country: 'JP', pattern: /^T\d{13}$/ },
};

/** Every type the pinned API version knows (a subset is enough to reject made-up ones like Stripe does). */
const KNOWN_TYPES = new Set([
  ...Object.keys(FORMATS),
  'ae_trn',
  'ar_cuit',
  'au_arn',
  'bg_uic',
  'br_cnpj',
  'br_cpf',
  'ca_gst_hst',
  'ca_pst_bc',
  'ca_pst_mb',
  'ca_pst_sk',
  'ca_qst',
  'ch_uid',
  'cl_tin',
  'cn_tin',
  'co_nit',
  'de_stn',
  'es_cif',
  'eu_oss_vat',
  'hk_br',
  'hr_oib',
  'hu_tin',
  'id_npwp',
  'il_vat',
  'in_gst',
  'is_vat',
  'jp_cn',
  'jp_rn',
  'kr_brn',
  'li_uid',
  'mx_rfc',
  'my_itn',
  'my_sst',
  'no_voec',
  'pl_nip',
  'sa_vat',
  'sg_gst',
  'sg_uen',
  'th_vat',
  'tr_tin',
  'tw_vat',
  'ua_vat',
  'za_vat',
  'unknown',
]);

/** Validate a tax ID like Stripe: unknown type → parameter_invalid_string; bad value → tax_id_invalid. */
export function validateTaxId(
  type: string,
  value: string,
  param = '',
): { country: string | null; value: string } {
  const at = (k: string): string => (param ? `${param}[${k}]` : k);
  if (!KNOWN_TYPES.has(type)) {
    throw invalidRequest(
      `Invalid value for type: ${type} is not a supported tax ID type.`,
      at('type'),
      'parameter_invalid_string',
    );
  }
  const upper = value.trim().toUpperCase();
  const normalized = type === 'ch_vat' ? upper.replace(/\s+/g, ' ') : upper.replace(/\s+/g, '');
  const format = FORMATS[type];
  if (!normalized || (format && !format.pattern.test(normalized))) {
    throw invalidRequest(`Invalid value for ${type}.`, at('value'), 'tax_id_invalid');
  }
  const country = type === 'eu_vat' ? normalized.slice(0, 2).replace('EL', 'GR') : (format?.country ?? null);
  return { country, value: normalized };
}

/** Create a tax_id on a customer; emits customer.tax_id.created. */
export function createTaxId(
  ctx: Ctx,
  customerId: string,
  type: string,
  value: string,
  now: number,
  param = '',
): TaxId {
  const checked = validateTaxId(type, value, param);
  const taxId: TaxId = {
    id: newId('txi'),
    object: 'tax_id',
    country: checked.country,
    created: now,
    customer: customerId,
    customer_account: null,
    livemode: false,
    owner: { type: 'customer', customer: customerId, customer_account: null },
    type: type,
    value: checked.value,
    verification: { status: 'verified', verified_address: null, verified_name: null },
  };
  ctx.store.insert(taxId);
  ctx.events.emit('customer.tax_id.created', taxId, { created: now });
  return taxId;
}

export const customerTaxIds = (ctx: Ctx, customerId: string): TaxId[] =>
  ctx.store.all<TaxId>('tax_id', (t) => t.customer === customerId);

/** The `customer_tax_ids` of an invoice / `customer_details.tax_ids` of a session. */
export const taxIdsView = (ctx: Ctx, customerId: string): Array<{ type: Stripe.TaxId.Type; value: string }> =>
  customerTaxIds(ctx, customerId).map((t) => ({ type: t.type!, value: t.value! }));
