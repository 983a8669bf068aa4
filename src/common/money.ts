/**
 * Money is integers (CONVENTIONS §5): amounts are minor units of an ISO-4217 currency, as Stripe's API takes
 * them. Display strings ("29.99", "1000" for JPY) are derived here and never parsed back as the truth.
 */

/** Currencies Stripe's API takes in whole units (https://docs.stripe.com/currencies#zero-decimal). */
export const ZERO_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set([
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

/** Currencies Stripe's API takes in thousandths (https://docs.stripe.com/currencies#three-decimal). */
export const THREE_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

const CURRENCY_RE = /^[a-z]{3}$/;

/** Lower-cases and checks an ISO-4217 code ("EUR" → "eur"); undefined when it is not three letters. */
export function normalizeCurrency(raw: string | null | undefined): string | undefined {
  const c = raw?.trim().toLowerCase();
  return c && CURRENCY_RE.test(c) ? c : undefined;
}

/** How many decimal digits the currency's API amounts carry: 0 (JPY), 3 (KWD) or 2 (everything else). */
export function currencyExponent(currency: string): number {
  const c = currency.toLowerCase();
  if (ZERO_DECIMAL_CURRENCIES.has(c)) return 0;
  if (THREE_DECIMAL_CURRENCIES.has(c)) return 3;
  return 2;
}

/** Integer minor units → the spec's display string: (2999,'usd') → "29.99", (1000,'jpy') → "1000", (5,'eur') → "0.05". */
export function formatMinorUnits(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amount must be a safe integer, got ${amount}`);
  const exponent = currencyExponent(currency);
  const sign = amount < 0 ? '-' : '';
  const digits = String(Math.abs(amount));
  if (exponent === 0) return sign + digits;
  const padded = digits.padStart(exponent + 1, '0');
  return `${sign}${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

/** For log lines: (2999,'usd') → "29.99 USD", so an operator reads money, not minor units. */
export function formatMoney(amount: number, currency: string): string {
  return `${formatMinorUnits(amount, currency)} ${currency.toUpperCase()}`;
}

/**
 * A decimal string in major units → integer minor units: ("29.99",'usd') → 2999, ("1000",'jpy') → 1000.
 * Exact (no floating point); throws on more decimals than the currency has or on anything not a plain number.
 */
export function parseMajorUnits(value: string, currency: string): number {
  const exponent = currencyExponent(currency);
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) throw new RangeError(`"${value}" is not a decimal amount`);
  const [, sign, whole, fraction = ''] = m;
  if (fraction.length > exponent) {
    throw new RangeError(`"${value}" has more than ${exponent} decimal places for ${currency.toUpperCase()}`);
  }
  const minor = Number(whole + fraction.padEnd(exponent, '0'));
  if (!Number.isSafeInteger(minor)) throw new RangeError(`"${value}" is too large`);
  return sign ? -minor : minor;
}
