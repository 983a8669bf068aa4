import { AppError, ErrorCode } from '../common/errors';

export const USAGE_PERIODS = ['hour', 'day', 'month'] as const;
export type UsagePeriod = (typeof USAGE_PERIODS)[number];

export interface UsageLimit {
  credits: number;
  per: UsagePeriod;
}

/** What a user's spend controls are, normalized (thresholds highest first, limits hour → month). */
export interface SpendControlsInput {
  /** null: the global default (OUTBOUND_CREDITS_LOW_THRESHOLD); []: no low-balance alerts. */
  low_balance_thresholds: number[] | null;
  usage_limits: UsageLimit[];
  overage_cap: number | null;
}

/** The largest credit figure a control accepts: anything above is a typo, not a setting. */
export const MAX_CONTROL_CREDITS = 1_000_000_000;
export const MAX_THRESHOLDS = 10;

/**
 * Checks and normalizes a spend-controls body (pure). Negative, fractional or absurd figures, more than
 * MAX_THRESHOLDS thresholds or two limits for one period are SPEND_CONTROLS_INVALID, listing every problem.
 */
export function normalizeSpendControls(body: {
  low_balance_thresholds?: number[] | null;
  usage_limits?: Array<{ credits: number; per: string }>;
  overage_cap?: number | null;
}): SpendControlsInput {
  const problems: string[] = [];
  const credits = (v: unknown, field: string, min: number) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > MAX_CONTROL_CREDITS)
      problems.push(`${field} must be a whole number from ${min} to ${MAX_CONTROL_CREDITS}`);
  };
  const thresholds = body.low_balance_thresholds ?? null;
  if (thresholds) {
    if (thresholds.length > MAX_THRESHOLDS)
      problems.push(`low_balance_thresholds takes at most ${MAX_THRESHOLDS} thresholds`);
    thresholds.forEach((t, i) => credits(t, `low_balance_thresholds[${i}]`, 0));
  }
  const limits = body.usage_limits ?? [];
  const seen = new Set<string>();
  limits.forEach((l, i) => {
    credits(l.credits, `usage_limits[${i}].credits`, 1);
    if (!(USAGE_PERIODS as readonly string[]).includes(l.per))
      problems.push(`usage_limits[${i}].per must be one of: ${USAGE_PERIODS.join(', ')}`);
    else if (seen.has(l.per)) problems.push(`usage_limits has two limits per ${l.per}`);
    seen.add(l.per);
  });
  const cap = body.overage_cap ?? null;
  if (cap !== null) credits(cap, 'overage_cap', 0);
  if (problems.length)
    throw new AppError(ErrorCode.SpendControlsInvalid, problems.join('; '), { errors: problems });
  return {
    low_balance_thresholds: thresholds ? [...new Set(thresholds)].sort((a, b) => b - a) : null,
    usage_limits: [...limits]
      .map((l) => ({ credits: l.credits, per: l.per as UsagePeriod }))
      .sort((a, b) => USAGE_PERIODS.indexOf(a.per) - USAGE_PERIODS.indexOf(b.per)),
    overage_cap: cap,
  };
}
