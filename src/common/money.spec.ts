import { currencyExponent, formatMinorUnits, formatMoney, normalizeCurrency, parseMajorUnits } from './money';

describe('money (catalog)', () => {
  it('formats minor units by the currency exponent', () => {
    expect(formatMinorUnits(2999, 'usd')).toBe('29.99');
    expect(formatMinorUnits(2799, 'EUR')).toBe('27.99');
    expect(formatMinorUnits(5, 'eur')).toBe('0.05');
    expect(formatMinorUnits(0, 'usd')).toBe('0.00');
    expect(formatMinorUnits(100, 'usd')).toBe('1.00');
    expect(formatMinorUnits(1000, 'jpy')).toBe('1000');
    expect(formatMinorUnits(1000, 'krw')).toBe('1000');
    expect(formatMinorUnits(12340, 'kwd')).toBe('12.340');
    expect(formatMinorUnits(-150, 'usd')).toBe('-1.50');
  });

  it('refuses non-integer amounts instead of rounding them', () => {
    expect(() => formatMinorUnits(29.99, 'usd')).toThrow(RangeError);
  });

  it('parses major-unit strings exactly, without floating point', () => {
    expect(parseMajorUnits('29.99', 'usd')).toBe(2999);
    expect(parseMajorUnits('0.1', 'usd')).toBe(10);
    expect(parseMajorUnits('19', 'eur')).toBe(1900);
    expect(parseMajorUnits('1000', 'jpy')).toBe(1000);
    expect(parseMajorUnits('1.005', 'kwd')).toBe(1005);
    expect(() => parseMajorUnits('10.5', 'jpy')).toThrow(/decimal places/);
    expect(() => parseMajorUnits('1.999', 'usd')).toThrow(/decimal places/);
    expect(() => parseMajorUnits('1e3', 'usd')).toThrow(/not a decimal/);
  });

  it('round-trips every amount it formats', () => {
    for (const [amount, currency] of [
      [2999, 'usd'],
      [1, 'eur'],
      [1000, 'jpy'],
      [1005, 'kwd'],
    ] as const) {
      expect(parseMajorUnits(formatMinorUnits(amount, currency), currency)).toBe(amount);
    }
  });

  it('normalizes currency codes and knows the exponents', () => {
    expect(normalizeCurrency(' EUR ')).toBe('eur');
    expect(normalizeCurrency('euro')).toBeUndefined();
    expect(normalizeCurrency(undefined)).toBeUndefined();
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('usd')).toBe(2);
    expect(currencyExponent('bhd')).toBe(3);
  });
});

describe('money in log lines', () => {
  it('reads as money: major units and the currency code', () => {
    expect(formatMoney(2999, 'usd')).toBe('29.99 USD');
    expect(formatMoney(1000, 'jpy')).toBe('1000 JPY');
    expect(formatMoney(5, 'eur')).toBe('0.05 EUR');
  });
});
