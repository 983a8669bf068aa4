import { invalidParam, missingParam, unknownParam } from './errors';
import type { Metadata, ParamObject, ParamValue } from './types';

/**
 * Typed, validating reader over a parsed request body. Constructing it rejects any parameter not in
 * `allowed` with Stripe's "Received unknown parameter" error (nested names like `recurring[foo]`).
 */
export class Params {
  constructor(
    readonly raw: ParamObject,
    allowed: readonly string[],
    private readonly prefix = '',
  ) {
    for (const key of Object.keys(raw)) {
      if (!allowed.includes(key)) throw unknownParam(this.name(key));
    }
  }

  name(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  str(key: string): string | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw invalidParam(this.name(key), `Invalid string: ${this.name(key)}`);
    return v;
  }

  reqStr(key: string): string {
    const v = this.str(key);
    if (v === undefined || v === '') throw missingParam(this.name(key));
    return v;
  }

  int(key: string): number | undefined {
    const v = this.str(key);
    if (v === undefined || v === '') return undefined;
    if (!/^-?\d+$/.test(v)) throw invalidParam(this.name(key), `Invalid integer: ${v}`);
    return Number(v);
  }

  reqInt(key: string): number {
    const v = this.int(key);
    if (v === undefined) throw missingParam(this.name(key));
    return v;
  }

  num(key: string): number | undefined {
    const v = this.str(key);
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw invalidParam(this.name(key), `Invalid decimal: ${v}`);
    return n;
  }

  bool(key: string): boolean | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false') throw invalidParam(this.name(key), `Invalid boolean: ${v}`);
    return v === 'true';
  }

  /** One value from a fixed set. */
  oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) {
      throw invalidParam(this.name(key), `Invalid ${this.name(key)}: must be one of ${values.join(', ')}`);
    }
    return v as T;
  }

  strList(key: string): string[] | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v === '' ? [] : [v];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      throw invalidParam(this.name(key), `Invalid array: ${this.name(key)}`);
    }
    return v as string[];
  }

  obj(key: string, allowed: readonly string[]): Params | undefined {
    const v = this.raw[key];
    if (v === undefined || v === '') return undefined;
    if (typeof v === 'string' || Array.isArray(v)) {
      throw invalidParam(this.name(key), `Invalid object: ${this.name(key)}`);
    }
    return new Params(v, allowed, this.name(key));
  }

  list(key: string, allowed: readonly string[]): Params[] | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (v === '') return [];
    const arr: ParamValue[] = Array.isArray(v) ? v : [v];
    return arr.map((item, i) => {
      if (typeof item === 'string' || Array.isArray(item)) {
        throw invalidParam(`${this.name(key)}[${i}]`, `Invalid object: ${this.name(key)}[${i}]`);
      }
      return new Params(item, allowed, `${this.name(key)}[${i}]`);
    });
  }

  /** A string → string map (metadata); `metadata=''` yields `{}` (Stripe's "unset"). */
  map(key: string): Record<string, string> | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (v === '') return {};
    if (typeof v === 'string' || Array.isArray(v))
      throw invalidParam(this.name(key), `Invalid hash: ${this.name(key)}`);
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(v)) {
      if (typeof val !== 'string') throw invalidParam(`${this.name(key)}[${k}]`, 'Invalid metadata value');
      out[k] = val;
    }
    return out;
  }

  expand(): string[] {
    return this.strList('expand') ?? [];
  }
}

/** Stripe metadata update semantics: merge keys; an empty value removes the key; `''` clears all. */
export function mergeMetadata(current: Metadata | null | undefined, update: Metadata | undefined): Metadata {
  const base = { ...(current ?? {}) };
  if (update === undefined) return base;
  if (Object.keys(update).length === 0) return {};
  for (const [k, v] of Object.entries(update)) {
    if (v === '') delete base[k];
    else base[k] = v;
  }
  return base;
}

export const LIST_PARAMS = ['limit', 'starting_after', 'ending_before', 'expand'] as const;
