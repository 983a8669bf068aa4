import { invalidRequest } from './errors';
import { snapshot, type Store } from './store';

/** Fields that exist only when expanded (Stripe "includable" fields), per object type. */
export type Includable = (obj: Record<string, unknown>, store: Store) => unknown;
const includables = new Map<string, Includable>();

export function registerIncludable(objectType: string, field: string, fn: Includable): void {
  includables.set(`${objectType}.${field}`, fn);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function expandPath(value: unknown, path: string[], store: Store, full: string): unknown {
  if (path.length === 0) return value;
  if (Array.isArray(value)) return value.map((v) => expandPath(v, path, store, full));
  if (!isRecord(value)) return value;
  const [head, ...rest] = path;
  const include = typeof value.object === 'string' ? includables.get(`${value.object}.${head}`) : undefined;
  let field = value[head];
  if (include && (field === undefined || field === null)) field = include(value, store);
  if (field === undefined) throw invalidRequest(`This property cannot be expanded (${full}).`, 'expand');
  if (typeof field === 'string') {
    const target = store.get<Record<string, unknown>>(field);
    if (!target) throw invalidRequest(`This property cannot be expanded (${full}).`, 'expand');
    field = snapshot(target);
  }
  value[head] = expandPath(field, rest, store, full);
  return value;
}

/** Apply `expand[]` paths (e.g. `subscription`, `data.product`, `line_items`) to an already-copied response. */
export function expand<T>(response: T, paths: string[], store: Store): T {
  for (const p of paths) {
    if (p.split('.').length > 4)
      throw invalidRequest('You cannot expand more than 4 levels of a property.', 'expand');
    expandPath(response, p.split('.'), store, p);
  }
  return response;
}
