import type Stripe from 'stripe';
import { exceedsJsonDepth } from '../common/json-depth';

/** Far deeper than any Stripe event (expanded objects included), far below what jsonb and the stack take. */
export const WEBHOOK_JSON_MAX_DEPTH = 128;

/** Matches the webhook_events columns: a longer id or type could not be stored. */
const MAX_ID_LENGTH = 255;
const MAX_TYPE_LENGTH = 128;
/** 9999-12-31: beyond it PostgreSQL's to_timestamp would fail the insert. */
const MAX_CREATED = 253_402_300_799;

/**
 * Turns the verified bytes of a delivery into an event, or says in one line why they cannot be one (a
 * poison delivery: retrying it would fail the same way forever). Never throws.
 */
export function parseWebhookPayload(raw: Buffer): { event: Stripe.Event } | { problem: string } {
  if (exceedsJsonDepth(raw, WEBHOOK_JSON_MAX_DEPTH)) {
    return { problem: `nested deeper than ${WEBHOOK_JSON_MAX_DEPTH} levels` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return { problem: 'not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problem: 'not a JSON object' };
  }
  const { id, type, object, created } = parsed as Record<string, unknown>;
  if (object === 'v2.core.event') return { problem: 'a thin (v2) event notification, not a webhook event' };
  if (typeof id !== 'string' || id.length === 0) return { problem: 'no id' };
  if (id.length > MAX_ID_LENGTH) return { problem: `id longer than ${MAX_ID_LENGTH} characters` };
  if (typeof type !== 'string' || type.length === 0) return { problem: 'no type' };
  if (type.length > MAX_TYPE_LENGTH) return { problem: `type longer than ${MAX_TYPE_LENGTH} characters` };
  if (!Number.isSafeInteger(created) || (created as number) < 0 || (created as number) > MAX_CREATED) {
    return { problem: 'no created timestamp (unix seconds)' };
  }
  if (containsNul(parsed)) return { problem: 'contains a NUL character (\\u0000), which jsonb cannot store' };
  return { event: parsed as Stripe.Event };
}

/** Walks keys and strings without recursion (the depth is already bounded, the breadth is not). */
function containsNul(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return true;
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (key.includes('\u0000')) return true;
        stack.push(child);
      }
    }
  }
  return false;
}
