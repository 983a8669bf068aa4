import { normalizeTaxId, taxIdProblem } from './tax-id-formats';

describe('tax ID formats (checked before Stripe sees them)', () => {
  it.each([
    ['eu_vat', 'DE123456789', null],
    ['eu_vat', 'de 123 456 789', null],
    ['eu_vat', 'DE12', 'value'],
    ['eu_vat', 'US123456789', 'value'],
    ['gb_vat', 'GB123456789', null],
    ['gb_vat', '123456789', 'value'],
    ['ch_vat', 'CHE-123.456.789 MWST', null],
    ['us_ein', '12-3456789', null],
    ['us_ein', '12345', 'value'],
    ['au_abn', '12345678901', null],
    ['br_cpf', '123.456.789-00', 'type'],
    ['xx_vat', 'DE123456789', 'type'],
  ])('%s %s → %s', (type, value, problem) => {
    expect(taxIdProblem(type, value)).toBe(problem);
  });

  it('normalizes like Stripe stores it', () => {
    expect(normalizeTaxId('eu_vat', 'de 123 456 789')).toBe('DE123456789');
    expect(normalizeTaxId('ch_vat', 'che-123.456.789 mwst')).toBe('CHE-123.456.789 MWST');
  });
});
