/**
 * What a plan lets a user do: boolean flags (`"api_access": true`) and numeric limits (`"projects": 10`).
 * Flags are Stripe Entitlements features attached to the plan's product (by lookup key); limits, which Stripe
 * features cannot carry, travel in the product's `feature_limits` metadata and live in Tollgate's catalog.
 */
export type FeatureValue = boolean | number;
export type PlanFeatures = Record<string, FeatureValue>;

/** A feature key: also the Stripe Entitlements feature's lookup key. */
export const FEATURE_KEY_RE = /^[a-z][a-z0-9_]{0,79}$/;

/** The product metadata key that carries a plan's numeric limits as JSON (`{"projects":10}`). */
export const FEATURE_LIMITS_METADATA_KEY = 'feature_limits';

/** Validates a `features` object; returns the problems found (empty: valid). */
export function featureProblems(raw: unknown, where: string): string[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return [`${where} must be an object like {"api_access": true, "projects": 10}`];
  }
  const problems: string[] = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!FEATURE_KEY_RE.test(key)) {
      problems.push(
        `${where}.${key}: a feature key must be lower-case letters, digits and "_", starting with a letter`,
      );
    } else if (
      typeof value !== 'boolean' &&
      !(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
    ) {
      problems.push(`${where}.${key} must be true/false (a flag) or an integer >= 0 (a limit)`);
    }
  }
  return problems;
}

/** Sorted keys, so two equal sets compare and serialize alike. */
export function canonicalFeatures(features: PlanFeatures): PlanFeatures {
  return Object.fromEntries(Object.entries(features).sort(([a], [b]) => a.localeCompare(b)));
}

export const sameFeatures = (a: PlanFeatures, b: PlanFeatures): boolean =>
  JSON.stringify(canonicalFeatures(a)) === JSON.stringify(canonicalFeatures(b));

/** The flags a plan grants (true), which become Stripe features attached to its product. */
export const grantedFlags = (features: PlanFeatures): string[] =>
  Object.entries(features)
    .filter(([, v]) => v === true)
    .map(([k]) => k)
    .sort();

/** The numeric limits of a plan (metadata side). */
export const limitsOf = (features: PlanFeatures): Record<string, number> =>
  Object.fromEntries(Object.entries(features).filter((e): e is [string, number] => typeof e[1] === 'number'));

/** Encodes limits for product metadata ("" when there are none, which deletes the key). */
export const encodeLimits = (features: PlanFeatures): string => {
  const limits = limitsOf(canonicalFeatures(features));
  return Object.keys(limits).length > 0 ? JSON.stringify(limits) : '';
};

/** Reads `feature_limits` metadata back; anything malformed is dropped (never trusted into the catalog). */
export function decodeLimits(raw: string | undefined): Record<string, number> {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (FEATURE_KEY_RE.test(k) && typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) out[k] = v;
  }
  return out;
}

/** Whether a feature value entitles: a flag that is true, a limit above zero. */
export const entitles = (value: FeatureValue | undefined): boolean =>
  value === true || (typeof value === 'number' && value > 0);
