import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { normalizeCurrency } from '../common/money';
import { featureProblems, type PlanFeatures } from './plan-features';

/** Shared by plans and packages in catalog/catalog.json. Amounts are integer minor units per currency. */
export interface CatalogItemBase {
  /** Stripe price lookup key: the identity `catalog:push` is idempotent on. */
  lookup_key: string;
  name: string;
  description: string;
  /** The price's base currency; every other key of `amounts` becomes a Stripe `currency_options` entry. */
  currency: string;
  amounts: Record<string, number>;
  display_order: number;
  /** Stripe Tax: is the amount before tax (`exclusive`, the default) or tax included (`inclusive`)? */
  tax_behavior?: TaxBehavior;
  /** Stripe Tax product tax code (`txcd_…`) of the item's product; unset → the account's default. */
  tax_code?: string;
}

export const TAX_BEHAVIORS = ['exclusive', 'inclusive'] as const;
export type TaxBehavior = (typeof TAX_BEHAVIORS)[number];
const TAX_CODE_RE = /^txcd_\d{8}$/;

export interface CatalogPlan extends CatalogItemBase {
  full_plan_name: string;
  full_price_name: string;
  interval: 'day' | 'week' | 'month' | 'year';
  interval_count: number;
  trial_days: number;
  monthly_uses: number;
  /** Flags and limits, e.g. {"api_access": true, "projects": 10}; absent means none. */
  features?: PlanFeatures;
  /** Past its credits, a subscriber goes on at this price, up to a cap per billing period; absent: 402 at zero. */
  overage?: CatalogOverage;
}

/**
 * A plan's overage: `amounts` minor units per `per_credits` credits in each currency (2 per 100 = 2 cents per
 * 100 credits), reported to Stripe under the meter `event_name`, at most `cap` credits per billing period unless
 * a user's own `overage_cap` says otherwise. `per_credits` is a power of ten, so the price per credit (Stripe's
 * `unit_amount_decimal`) is exact.
 */
export interface CatalogOverage {
  event_name: string;
  per_credits: number;
  amounts: Record<string, number>;
  cap: number;
}

/** Overage blocks: a power of ten, so the per-credit decimal is exact. */
export const OVERAGE_BLOCKS = [1, 10, 100, 1000, 10000] as const;
const EVENT_NAME_RE = /^[a-z][a-z0-9_]{0,99}$/;

/** `amount` minor units per `perCredits` credits as a per-credit decimal string: 2 per 100 → "0.02". */
export function perCreditDecimal(amount: number, perCredits: number): string {
  const places = Math.round(Math.log10(perCredits));
  if (places === 0) return String(amount);
  const digits = String(amount).padStart(places + 1, '0');
  const whole = digits.slice(0, -places);
  const frac = digits.slice(-places).replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : whole;
}

/**
 * What a user without a paying subscription gets (optional). It has no price: pushed to Stripe as a product
 * (metadata kind=free_plan) carrying its features, so `catalog:sync` reads it back like the paid plans.
 */
export interface CatalogFreePlan {
  lookup_key: string;
  name: string;
  description: string;
  features: PlanFeatures;
}

export interface CatalogPackage extends CatalogItemBase {
  credits: number;
  /** The pack's credits expire this many days after purchase; absent: never. */
  expires_in_days?: number;
}

export interface CatalogFile {
  version: number;
  plans: CatalogPlan[];
  packages: CatalogPackage[];
  /** Absent or null: users without a subscription have no features. */
  free_plan?: CatalogFreePlan | null;
}

/** The lookup key of a plan's metered overage price. */
export const overageLookupKey = (planKey: string): string => `${planKey}.overage`;

export const CATALOG_FILE_NAME = join('catalog', 'catalog.json');
const INTERVALS = ['day', 'week', 'month', 'year'] as const;
const LOOKUP_KEY_RE = /^[a-z0-9][a-z0-9_.-]{0,199}$/;

/** Problems are collected, then thrown together: one run tells the author everything that is wrong. */
class Checker {
  readonly problems: string[] = [];

  constructor(
    private readonly raw: Record<string, unknown>,
    private readonly where: string,
  ) {}

  fail(field: string, problem: string): undefined {
    this.problems.push(`${this.where}.${field} ${problem}`);
    return undefined;
  }

  str(field: string, fallback?: string): string {
    const v = this.raw[field] ?? fallback;
    if (typeof v !== 'string' || (v.trim() === '' && fallback === undefined)) {
      return this.fail(field, 'must be a non-empty string') ?? '';
    }
    return v.trim();
  }

  int(field: string, min: number, fallback?: number): number {
    const v = this.raw[field] ?? fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      return this.fail(field, `must be an integer >= ${min}`) ?? 0;
    }
    return v;
  }

  currency(field: string): string {
    const raw = this.raw[field];
    const c = normalizeCurrency(typeof raw === 'string' ? raw : undefined);
    return c ?? this.fail(field, 'must be a three-letter ISO currency code') ?? '';
  }

  amounts(base: string): Record<string, number> {
    const raw = this.raw.amounts;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return this.fail('amounts', 'must be an object like {"usd": 2999, "eur": 2799}') ?? {};
    }
    const out: Record<string, number> = {};
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
      const c = normalizeCurrency(key);
      if (!c) this.fail(`amounts.${key}`, 'is not a three-letter ISO currency code');
      else if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        this.fail(`amounts.${key}`, 'must be a non-negative integer amount in minor units (2999 = 29.99)');
      } else out[c] = value;
    }
    if (base && out[base] === undefined) this.fail('amounts', `must include the base currency "${base}"`);
    return out;
  }

  tax(): { tax_behavior: TaxBehavior; tax_code?: string } {
    const behavior = this.raw.tax_behavior ?? 'exclusive';
    if (!(TAX_BEHAVIORS as readonly unknown[]).includes(behavior)) {
      this.fail('tax_behavior', `must be one of ${TAX_BEHAVIORS.join(', ')}`);
    }
    const code = this.raw.tax_code;
    if (code !== undefined && (typeof code !== 'string' || !TAX_CODE_RE.test(code))) {
      this.fail('tax_code', 'must be a Stripe tax code like "txcd_10103001"');
    }
    return {
      tax_behavior: behavior as TaxBehavior,
      ...(typeof code === 'string' ? { tax_code: code } : {}),
    };
  }

  overage(planCurrencies: string[]): CatalogOverage | undefined {
    const raw = this.raw.overage;
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      return this.fail(
        'overage',
        'must be an object like {"event_name": "credits", "per_credits": 100, "amounts": {"usd": 2}, "cap": 5000}',
      );
    }
    const c = new Checker(raw as Record<string, unknown>, `${this.where}.overage`);
    const eventName = c.str('event_name');
    if (eventName && !EVENT_NAME_RE.test(eventName))
      c.fail('event_name', 'must be lower-case letters, digits and "_", starting with a letter');
    const perCredits = c.int('per_credits', 1, 1);
    if (!(OVERAGE_BLOCKS as readonly number[]).includes(perCredits))
      c.fail('per_credits', `must be one of ${OVERAGE_BLOCKS.join(', ')}`);
    const amounts = c.amounts('');
    for (const currency of planCurrencies)
      if (amounts[currency] === undefined)
        c.fail('amounts', `must price every currency the plan is sold in ("${currency}")`);
    for (const currency of Object.keys(amounts))
      if (!planCurrencies.includes(currency))
        c.fail(`amounts.${currency}`, 'is not a currency the plan is sold in');
    const overage = { event_name: eventName, per_credits: perCredits, amounts, cap: c.int('cap', 1) };
    this.problems.push(...c.problems);
    return overage;
  }

  features(): PlanFeatures {
    const raw = this.raw.features ?? {};
    const problems = featureProblems(raw, `${this.where}.features`);
    this.problems.push(...problems);
    return problems.length > 0 ? {} : { ...(raw as PlanFeatures) };
  }
}

function checkFreePlan(raw: unknown, problems: string[]): CatalogFreePlan | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push('free_plan must be an object like {"lookup_key": "free", "name": "Free", "features": {…}}');
    return null;
  }
  const c = new Checker(raw as Record<string, unknown>, 'free_plan');
  const lookupKey = c.str('lookup_key');
  if (lookupKey && !LOOKUP_KEY_RE.test(lookupKey)) {
    c.problems.push(
      `free_plan.lookup_key "${lookupKey}" must be lower-case letters, digits, "_", "." or "-"`,
    );
  }
  for (const field of ['amounts', 'currency', 'interval', 'trial_days', 'monthly_uses']) {
    if (field in raw) c.problems.push(`free_plan.${field}: the free plan has no price or credits`);
  }
  const free = {
    lookup_key: lookupKey,
    name: c.str('name'),
    description: c.str('description', ''),
    features: c.features(),
  };
  problems.push(...c.problems);
  return free;
}

function checkBase(c: Checker): CatalogItemBase {
  const lookupKey = c.str('lookup_key');
  if (lookupKey && !LOOKUP_KEY_RE.test(lookupKey)) {
    c.problems.push(`lookup_key "${lookupKey}" must be lower-case letters, digits, "_", "." or "-"`);
  }
  const currency = c.currency('currency');
  return {
    lookup_key: lookupKey,
    name: c.str('name'),
    description: c.str('description', ''),
    currency,
    amounts: c.amounts(currency),
    display_order: c.int('display_order', 0, 0),
    ...c.tax(),
  };
}

/** Validates a parsed catalog file; throws one Error listing every problem. */
export function parseCatalog(raw: unknown, source = 'catalog'): CatalogFile {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`${source}: must be a JSON object`);
  const top = raw as Record<string, unknown>;
  const problems: string[] = [];
  const version = top.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    problems.push('version must be a positive integer (bump it on every change)');
  }
  const list = (name: string): Array<Record<string, unknown>> => {
    const v = top[name] ?? [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'object' || x === null || Array.isArray(x))) {
      problems.push(`${name} must be an array of objects`);
      return [];
    }
    return v as Array<Record<string, unknown>>;
  };

  const plans = list('plans').map((item, i) => {
    const c = new Checker(item, `plans[${i}]`);
    const base = checkBase(c);
    const interval = item.interval ?? 'month';
    if (!(INTERVALS as readonly unknown[]).includes(interval)) {
      c.problems.push(`plans[${i}].interval must be one of ${INTERVALS.join(', ')}`);
    }
    const plan: CatalogPlan = {
      ...base,
      full_plan_name: c.str('full_plan_name', base.name),
      full_price_name: c.str('full_price_name', ''),
      interval: interval as CatalogPlan['interval'],
      interval_count: c.int('interval_count', 1, 1),
      trial_days: c.int('trial_days', 0, 0),
      monthly_uses: c.int('monthly_uses', 0, 0),
      features: c.features(),
    };
    const overage = c.overage(Object.keys(base.amounts));
    if (overage) plan.overage = overage;
    problems.push(...c.problems);
    return plan;
  });
  const packages = list('packages').map((item, i) => {
    const c = new Checker(item, `packages[${i}]`);
    const pkg: CatalogPackage = { ...checkBase(c), credits: c.int('credits', 1) };
    if (item.expires_in_days !== undefined) pkg.expires_in_days = c.int('expires_in_days', 1);
    problems.push(...c.problems);
    return pkg;
  });

  const freePlan = checkFreePlan(top.free_plan, problems);

  const seen = new Set<string>();
  for (const item of [...plans, ...packages, ...(freePlan ? [freePlan] : [])]) {
    if (seen.has(item.lookup_key)) problems.push(`lookup_key "${item.lookup_key}" is used twice`);
    seen.add(item.lookup_key);
  }
  for (const plan of plans) {
    const key = overageLookupKey(plan.lookup_key);
    if (plan.overage && seen.has(key))
      problems.push(`lookup_key "${key}" is taken: it names ${plan.lookup_key}'s overage price`);
  }
  for (const [kind, items] of [
    ['plans', plans],
    ['packages', packages],
  ] as const) {
    const names = new Set<string>();
    for (const item of items) {
      if (names.has(item.name))
        problems.push(`${kind}: name "${item.name}" is used twice (names are unique)`);
      names.add(item.name);
    }
  }
  if (problems.length > 0) throw new Error(`${source} is invalid:\n  - ${problems.join('\n  - ')}`);
  return { version: version as number, plans, packages, free_plan: freePlan };
}

/** Finds catalog/catalog.json: next to the working directory, else walking up from this file (src/ or dist/src/). */
export function defaultCatalogPath(): string {
  const fromCwd = resolve(process.cwd(), CATALOG_FILE_NAME);
  if (existsSync(fromCwd)) return fromCwd;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, CATALOG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return fromCwd;
}

/** Reads and validates a catalog file (default: catalog/catalog.json). */
export function loadCatalogFile(path = defaultCatalogPath()): CatalogFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`Cannot read the catalog file ${path}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  return parseCatalog(raw, path);
}
