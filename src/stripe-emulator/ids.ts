import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[bytes[i] % ALPHABET.length];
  return out;
}

/** Stripe-like id: `cus_` + 14 chars, `cs_test_` + 58 chars, etc. */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken(prefix.startsWith('cs_') ? 58 : 24)}`;
}

/** The id of an expandable field (`'cus_1'` or `{ id: 'cus_1', ... }`), '' when absent. */
export function idOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'id' in v && typeof v.id === 'string') return v.id;
  return '';
}
