import { invalidParam } from './errors';
import type { Params } from './params';
import type { StoredObject } from './types';

export interface ListObject<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

/** Stripe cursor pagination over a newest-first array: `limit` (1..100, default 10), `starting_after`, `ending_before`. */
export function paginate<T extends { id: string }>(items: T[], params: Params, url: string): ListObject<T> {
  const limit = params.int('limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidParam('limit', 'Invalid limit: must be between 1 and 100');
  const after = params.str('starting_after');
  const before = params.str('ending_before');
  let slice = items;
  if (after) {
    const i = items.findIndex((o) => o.id === after);
    if (i === -1) throw invalidParam('starting_after', `No such object: '${after}'`);
    slice = items.slice(i + 1);
    return { object: 'list', data: slice.slice(0, limit), has_more: slice.length > limit, url };
  }
  if (before) {
    const i = items.findIndex((o) => o.id === before);
    if (i === -1) throw invalidParam('ending_before', `No such object: '${before}'`);
    slice = items.slice(Math.max(0, i - limit), i);
    return { object: 'list', data: slice, has_more: i - limit > 0, url };
  }
  return { object: 'list', data: slice.slice(0, limit), has_more: slice.length > limit, url };
}

/** A complete embedded list (e.g. `subscription.items`). */
export function embeddedList<T extends StoredObject>(data: T[], url: string): ListObject<T> {
  return { object: 'list', data, has_more: false, url };
}

/** `created[gte]=..` style range filter or exact `created=..`. */
export function matchesRange(value: number, params: Params, key: string): boolean {
  if (!params.has(key)) return true;
  const exact = params.raw[key];
  if (typeof exact === 'string') return value === Number(exact);
  const r = params.obj(key, ['gt', 'gte', 'lt', 'lte']);
  if (!r) return true;
  const gt = r.int('gt');
  const gte = r.int('gte');
  const lt = r.int('lt');
  const lte = r.int('lte');
  return (
    (gt === undefined || value > gt) &&
    (gte === undefined || value >= gte) &&
    (lt === undefined || value < lt) &&
    (lte === undefined || value <= lte)
  );
}
