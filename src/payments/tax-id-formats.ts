/**
 * The tax ID types Tollgate accepts, with the format each must have, checked before Stripe sees the value (so a
 * typo is a 400 naming the field, not a Stripe round trip). Values are compared upper-case without spaces.
 */
export const TAX_ID_FORMATS: Readonly<Record<string, RegExp>> = {
  eu_vat:
    /^(AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI)[0-9A-Z]{8,12}$/,
  gb_vat: /^GB(\d{9}|\d{12})$/,
  ch_vat: /^CHE-?\d{3}\.?\d{3}\.?\d{3}(MWST|TVA|IVA)$/,
  no_vat: /^\d{9}MVA$/,
  us_ein: /^\d{2}-?\d{7}$/,
  ca_bn: /^\d{9}$/,
  au_abn: /^\d{11}$/,
  nz_gst: /^\d{8,9}$/,
};

export const TAX_ID_TYPES = Object.keys(TAX_ID_FORMATS);

/** The value as Stripe stores it (upper case, no spaces); `ch_vat` keeps its suffix after one space. */
export function normalizeTaxId(type: string, value: string): string {
  const compact = value.replace(/\s+/g, '').toUpperCase();
  return type === 'ch_vat' ? compact.replace(/(MWST|TVA|IVA)$/, ' $1') : compact;
}

/** 'type' when Tollgate does not accept the type, 'value' when the value is not in its format, else null. */
export function taxIdProblem(type: string, value: string): 'type' | 'value' | null {
  const format = TAX_ID_FORMATS[type];
  if (!format) return 'type';
  return format.test(value.replace(/\s+/g, '').toUpperCase()) ? null : 'value';
}
