import { applyDecorators } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type Stripe from 'stripe';
import { stripeEventName } from './stripe-event-context';

/**
 * How every Stripe handler subscribes (as @nestjs/event-emitter 3 and eventemitter2 6 read these options):
 * - `suppressErrors: false`: Nest wraps each listener in a try/catch that, by default (`?? true`), logs the
 *   error and resolves; the processor would then mark the event processed with no effects. False rethrows,
 *   so emitAsync rejects and the event is retried.
 * - `async: true`: eventemitter2 starts the listener on the next setImmediate, not inside the emit call.
 * - `promisify: true`: with `async`, eventemitter2 hands emitAsync a promise of the listener's result (without
 *   it an async listener is fire-and-forget: emitAsync resolves at once and the error is unhandled).
 */
export const STRIPE_EVENT_OPTIONS = Object.freeze({ async: true, promisify: true, suppressErrors: false });

/**
 * Subscribes a handler method to one or more Stripe event types, always awaited with errors propagated. The
 * only way handlers subscribe (an architecture test forbids bare @OnEvent in src/webhooks), so none can be
 * written the swallowing way. One type has one handler: the processor runs every listener of the type.
 */
export function OnStripeEvent(...types: [Stripe.Event.Type, ...Stripe.Event.Type[]]): MethodDecorator {
  return applyDecorators(...types.map((type) => OnEvent(stripeEventName(type), { ...STRIPE_EVENT_OPTIONS })));
}
