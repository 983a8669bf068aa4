/**
 * Tiny, dependency-free environment readers. Each throws a ConfigError whose message is one line naming the
 * variable and what is wrong, so a bad deployment stops at boot with an actionable message.
 */
export class ConfigError extends Error {
  /** One line per problem: several when checkAll gathered them (all of a boot's refusals at once). */
  readonly lines: string[];

  constructor(
    readonly variable: string,
    problem: string,
    lines?: string[],
  ) {
    super(lines ? lines.join('\n') : `Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
    this.lines = lines ?? [this.message];
  }
}

/**
 * Runs every check even after one fails, then throws one ConfigError holding all their lines: a deployment
 * learns everything it must fix from one boot, not one variable per restart.
 */
export function checkAll(checks: Array<() => unknown>): void {
  const errors: ConfigError[] = [];
  for (const check of checks) {
    try {
      check();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) {
    const variables = errors.map((e) => e.variable).join(', ');
    throw new ConfigError(
      variables,
      '',
      errors.flatMap((e) => e.lines),
    );
  }
}

type Env = Record<string, string | undefined>;

export function str(env: Env, name: string, fallback?: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return raw.trim();
}

export function int(
  env: Env,
  name: string,
  fallback: number,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = str(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

export function url(
  env: Env,
  name: string,
  fallback?: string,
  protocols = ['http:', 'https:'],
): string | undefined {
  const raw = str(env, name, fallback);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be an absolute URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return raw.replace(/\/+$/, '');
}

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** A size such as 512, 100kb or 1mb (1024-based, as body-parser read it), in bytes; at most 64 MiB. */
export function bytes(env: Env, name: string, fallback: string): number {
  const raw = str(env, name, fallback)!;
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw);
  const value = match ? Number(match[1]) * UNITS[(match[2] ?? 'b').toLowerCase()] : NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > 64 * UNITS.mb) {
    throw new ConfigError(name, `must be a size such as 100kb or 1mb (at most 64mb), got "${raw}"`);
  }
  return value;
}

export function list(env: Env, name: string): string[] {
  return (str(env, name) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export const isProduction = (env: Env): boolean => env.NODE_ENV === 'production';
export const isTest = (env: Env): boolean => env.NODE_ENV === 'test' || env.JEST_WORKER_ID !== undefined;
