const EURO = [
  'AT',
  'BE',
  'CY',
  'DE',
  'EE',
  'ES',
  'FI',
  'FR',
  'GR',
  'HR',
  'IE',
  'IT',
  'LT',
  'LU',
  'LV',
  'MT',
  'NL',
  'PT',
  'SI',
  'SK',
];

const OWN: Record<string, string> = {
  US: 'usd',
  GB: 'gbp',
  CH: 'chf',
  NO: 'nok',
  SE: 'sek',
  DK: 'dkk',
  PL: 'pln',
  CZ: 'czk',
  CA: 'cad',
  AU: 'aud',
  NZ: 'nzd',
  JP: 'jpy',
};

/** The currency a billing country pays in (ISO 3166 alpha-2 → ISO 4217, lower case); undefined when unknown. */
export function localCurrency(country: string | null | undefined): string | undefined {
  const c = country?.toUpperCase();
  if (!c) return undefined;
  return EURO.includes(c) ? 'eur' : OWN[c];
}
