import type Stripe from 'stripe';
import type { Ctx } from '../ctx';
import { diffPrevious } from '../events';
import { paginate } from '../list';
import { Params } from '../params';
import { respond, type ApiRequest } from '../router';
import { snapshot } from '../store';
import type { StoredObject } from '../types';

/** Mutate an object and emit `<type>` with previous_attributes when anything changed. */
export function mutateWithEvent(
  ctx: Ctx,
  type: Stripe.Event.Type,
  obj: StoredObject,
  mutate: () => void,
  created?: number,
): void {
  const before = snapshot(obj);
  mutate();
  const previous = diffPrevious(before, obj);
  if (Object.keys(previous).length > 0) ctx.events.emit(type, obj, { previous, created });
}

/** Standard list endpoint: validate params, filter, paginate, expand (`data.x`). */
export function listResponse<T extends StoredObject>(
  req: ApiRequest,
  objectType: string,
  filterParams: readonly string[],
  filter: (o: T, p: Params) => boolean,
): unknown {
  const p = new Params(req.body, ['limit', 'starting_after', 'ending_before', 'expand', ...filterParams]);
  const items = req.ctx.store.all<T>(objectType, (o) => filter(o, p));
  const list = paginate(items, p, req.path);
  return respond(req.ctx, list, p);
}

/** Standard retrieve endpoint. */
export function retrieveResponse(req: ApiRequest, objectType: string, kind: string): unknown {
  const p = new Params(req.body, ['expand']);
  return respond(req.ctx, req.ctx.store.require<StoredObject>(req.pathParams.id, objectType, kind), p);
}

export { idOf } from '../ids';
