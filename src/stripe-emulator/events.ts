import type Stripe from 'stripe';
import type { WebhookDelivery } from './delivery';
import { newId } from './ids';
import { snapshot, type Store } from './store';
import { realNow } from './time';
import type { StoredObject } from './types';

export const API_VERSION = '2026-10-28.endive';

export interface RequestInfo {
  id: string | null;
  idempotency_key: string | null;
}

const NO_REQUEST: RequestInfo = { id: null, idempotency_key: null };

/** Creates `evt_` objects (full snapshots of data.object) and hands them to webhook delivery. */
export class EventBus {
  private request: RequestInfo = NO_REQUEST;
  /** Called after every emitted event (the emulator derives follow-up events, e.g. entitlement summaries). */
  afterEmit?: (type: Stripe.Event.Type, object: StoredObject) => void;

  constructor(
    private readonly store: Store,
    private readonly delivery: WebhookDelivery,
  ) {}

  /** Run `fn` with events attributed to an API request (`event.request`). */
  withRequest<T>(request: RequestInfo, fn: () => T): T {
    const prev = this.request;
    this.request = request;
    try {
      return fn();
    } finally {
      this.request = prev;
    }
  }

  emit(
    type: Stripe.Event.Type,
    object: StoredObject,
    opts: { previous?: Record<string, unknown>; created?: number } = {},
  ): Stripe.Event {
    const event = {
      id: newId('evt'),
      object: 'event' as const,
      api_version: API_VERSION,
      created: opts.created ?? realNow(),
      data: {
        object: snapshot(object),
        ...(opts.previous ? { previous_attributes: snapshot(opts.previous) } : {}),
      },
      livemode: false,
      pending_webhooks: this.delivery.endpoints.length,
      request: { ...this.request },
      type,
    } as unknown as Stripe.Event;
    this.store.insert(event as unknown as StoredObject);
    this.delivery.enqueue(event);
    this.afterEmit?.(type, object);
    return event;
  }

  /** Called by delivery when one endpoint finished (delivered or gave up) for an event. */
  markFinished(eventId: string): void {
    const event = this.store.get<Stripe.Event>(eventId);
    if (event && event.pending_webhooks > 0) event.pending_webhooks -= 1;
  }
}

/** Top-level fields of `before` whose values differ in `after` (for `data.previous_attributes`). */
export function diffPrevious(before: StoredObject, after: StoredObject): Record<string, unknown> {
  const prev: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) prev[key] = before[key] ?? null;
  }
  return prev;
}
