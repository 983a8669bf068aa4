import type { ParamObject, ParamValue } from './types';

const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

function decode(s: string): string {
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

/** `a[b][0][c]` → ['a', 'b', '0', 'c']; `a[]` → ['a', ''] */
function splitKey(key: string): string[] {
  const first = key.indexOf('[');
  if (first <= 0) return [key];
  const parts = [key.slice(0, first)];
  const re = /\[([^\]]*)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(key.slice(first))) !== null) parts.push(m[1]);
  return parts;
}

function isIndexObject(o: ParamObject): boolean {
  const keys = Object.keys(o);
  return keys.length > 0 && keys.every((k) => /^\d+$/.test(k));
}

/** Convert objects whose keys are all numeric indices (as stripe-node sends `x[0]=..`) into arrays. */
function normalise(value: ParamValue): ParamValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(normalise);
  const out: ParamObject = {};
  for (const [k, v] of Object.entries(value)) out[k] = normalise(v);
  if (isIndexObject(out)) {
    return Object.keys(out)
      .map(Number)
      .sort((a, b) => a - b)
      .map((i) => out[String(i)]);
  }
  return out;
}

function assign(target: ParamObject, path: string[], value: string): void {
  let node: ParamObject = target;
  for (let i = 0; i < path.length; i++) {
    let seg = path[i];
    if (FORBIDDEN.has(seg)) return;
    const last = i === path.length - 1;
    if (seg === '') seg = String(Object.keys(node).length); // `a[]=x` → append
    if (last) {
      node[seg] = value;
      return;
    }
    const next = node[seg];
    if (next === undefined || typeof next === 'string' || Array.isArray(next)) {
      const created: ParamObject = {};
      node[seg] = created;
      node = created;
    } else {
      node = next;
    }
  }
}

/** Parse an application/x-www-form-urlencoded body or query string with qs-style nested brackets. */
export function parseForm(body: string): ParamObject {
  const root: ParamObject = {};
  if (!body) return root;
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    assign(root, splitKey(decode(rawKey)), decode(rawValue));
  }
  const out: ParamObject = {};
  for (const [k, v] of Object.entries(root)) out[k] = normalise(v);
  return out;
}
