import { AppError, ErrorCode } from '../common/errors';
import { normalizeSpendControls } from './spend-controls.rules';

const refusal = (body: Parameters<typeof normalizeSpendControls>[0]): string[] => {
  try {
    normalizeSpendControls(body);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCode.SpendControlsInvalid);
    return (err as AppError).details!.errors as string[];
  }
  throw new Error('accepted');
};

describe('normalizeSpendControls', () => {
  it('sorts thresholds highest first without duplicates, and limits hour → month', () => {
    expect(
      normalizeSpendControls({
        low_balance_thresholds: [10, 100, 10],
        usage_limits: [
          { credits: 9000, per: 'month' },
          { credits: 500, per: 'day' },
        ],
        overage_cap: 5000,
      }),
    ).toEqual({
      low_balance_thresholds: [100, 10],
      usage_limits: [
        { credits: 500, per: 'day' },
        { credits: 9000, per: 'month' },
      ],
      overage_cap: 5000,
    });
  });

  it('absent fields are the defaults: global thresholds, no limits, no cap', () => {
    expect(normalizeSpendControls({})).toEqual({
      low_balance_thresholds: null,
      usage_limits: [],
      overage_cap: null,
    });
    expect(normalizeSpendControls({ low_balance_thresholds: [] }).low_balance_thresholds).toEqual([]);
  });

  it('refuses negative, fractional and absurd figures, listing each', () => {
    expect(
      refusal({
        low_balance_thresholds: [-1, 2.5],
        usage_limits: [{ credits: 0, per: 'day' }],
        overage_cap: 1e12,
      }),
    ).toEqual([
      'low_balance_thresholds[0] must be a whole number from 0 to 1000000000',
      'low_balance_thresholds[1] must be a whole number from 0 to 1000000000',
      'usage_limits[0].credits must be a whole number from 1 to 1000000000',
      'overage_cap must be a whole number from 0 to 1000000000',
    ]);
  });

  it('refuses two limits for one period, an unknown period and too many thresholds', () => {
    expect(
      refusal({
        usage_limits: [
          { credits: 5, per: 'day' },
          { credits: 6, per: 'day' },
          { credits: 6, per: 'week' },
        ],
      }),
    ).toEqual([
      'usage_limits has two limits per day',
      'usage_limits[2].per must be one of: hour, day, month',
    ]);
    expect(refusal({ low_balance_thresholds: Array.from({ length: 11 }, (_, i) => i) })).toEqual([
      'low_balance_thresholds takes at most 10 thresholds',
    ]);
  });
});
