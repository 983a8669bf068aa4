import type { EntityManager } from 'typeorm';
import type Stripe from 'stripe';

/**
 * What a per-event-type handler receives. A handler first reads what it needs from Stripe (outside any
 * transaction), then calls `commit` exactly once: its database effects and the event's "processed" mark are
 * written in ONE transaction, so a crash leaves the event pending, never half-applied.
 * A handler that returns without calling `commit` has the event marked processed with no effects.
 */
export interface StripeEventContext<E extends Stripe.Event = Stripe.Event> {
  readonly event: E;
  commit<R>(work: (manager: EntityManager) => Promise<R>): Promise<R>;
}

/** Internal EventEmitter name for a Stripe event type (one handler per name). */
export const stripeEventName = (type: string): string => `stripe.${type}`;
