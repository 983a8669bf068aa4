import Stripe from 'stripe';

/**
 * The one policy for "the object this event is about is missing at Stripe" (a race with Stripe's own
 * consistency, a wrong account, a deleted object): the handler throws, the processor retries with backoff and
 * ends the event `dead`, visible in /admin/webhook-events with this message, logged at warn, never silently
 * marked processed.
 */
export class StripeObjectMissingError extends Error {
  constructor(kind: string, id: string, eventType: string) {
    super(`${eventType}: ${kind} ${id} is missing at Stripe`);
    this.name = 'StripeObjectMissingError';
  }
}

/** Thrown by us, or Stripe's own 404 resource_missing from a retrieve (checkout sessions). */
export function isStripeObjectMissing(err: unknown): boolean {
  return (
    err instanceof StripeObjectMissingError ||
    (err instanceof Stripe.errors.StripeInvalidRequestError &&
      (err.code === 'resource_missing' || err.statusCode === 404))
  );
}
