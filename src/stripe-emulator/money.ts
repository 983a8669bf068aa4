/** Currencies whose amounts are in whole units (no minor unit), per Stripe's docs. */
const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);

export const isZeroDecimal = (currency: string): boolean => ZERO_DECIMAL.has(currency.toLowerCase());

/**
 * Format an amount in the smallest currency unit, e.g. (1999,'usd') → "$19.99", (500,'jpy') → "¥500";
 * `extraDigits` shows a fraction of the minor unit (a unit_amount_decimal: (0.5,'usd',1) → "$0.005").
 */
export function formatAmount(amount: number, currency: string, extraDigits = 0): string {
  const major = isZeroDecimal(currency) ? amount : amount / 100;
  const digits = isZeroDecimal(currency) ? 0 : 2;
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: digits,
    maximumFractionDigits: digits + extraDigits,
  }).format(major);
}
