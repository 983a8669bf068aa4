import type Stripe from 'stripe';
import { exceedsJsonDepth } from '../common/json-depth';

/** Far deeper than any Stripe event (expanded objects included), far below what jsonb and the stack take. */
export const WEBHOOK_JSON_MAX_DEPTH = 128;

/** Matches the webhook_events columns: a longer id, type or api_version could not be stored. */
const MAX_ID_LENGTH = 255;
const MAX_TYPE_LENGTH = 128;
const MAX_API_VERSION_LENGTH = 64;
/**
 * The strings of an event's objects that the handlers copy into bounded columns (subscriptions, checkout
 * sessions, purchases, the ledger's source ids, entitlements), with those columns' widths. Stripe's own values
 * are far shorter (ids up to 255 characters, three-letter currencies, one-word statuses), so a signed event over
 * any of them is malformed: refused at the door rather than stored and failed on every retry until it is dead.
 */
const STORED_STRING_WIDTHS: Readonly<Record<string, number>> = {
  id: 255,
  customer: 255,
  subscription: 255,
  price: 255,
  product: 255,
  payment_intent: 255,
  invoice: 255,
  charge: 255,
  status: 32,
  mode: 16,
  currency: 3,
};
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
  const { id, type, object, created, api_version: apiVersion } = parsed as Record<string, unknown>;
  if (object === 'v2.core.event') return { problem: 'a thin (v2) event notification, not a webhook event' };
  if (typeof id !== 'string' || id.length === 0) return { problem: 'no id' };
  if (id.length > MAX_ID_LENGTH) return { problem: `id longer than ${MAX_ID_LENGTH} characters` };
  if (typeof type !== 'string' || type.length === 0) return { problem: 'no type' };
  if (type.length > MAX_TYPE_LENGTH) return { problem: `type longer than ${MAX_TYPE_LENGTH} characters` };
  if (!Number.isSafeInteger(created) || (created as number) < 0 || (created as number) > MAX_CREATED) {
    return { problem: 'no created timestamp (unix seconds)' };
  }
  if (apiVersion !== undefined && apiVersion !== null) {
    if (typeof apiVersion !== 'string') return { problem: 'api_version is not a string' };
    if (apiVersion.length > MAX_API_VERSION_LENGTH) {
      return { problem: `api_version longer than ${MAX_API_VERSION_LENGTH} characters` };
    }
  }
  const unstorable = unstorableText(parsed);
  if (unstorable) return { problem: unstorable };
  return { event: parsed as Stripe.Event };
}

/**
 * Why the event's text could not be stored, or null: a NUL or a lone UTF-16 surrogate (`"\ud800"` parses, but
 * jsonb refuses both), or a string wider than the column a handler copies it into. Walks keys and strings
 * without recursion (the depth is already bounded, the breadth is not).
 */
function unstorableText(root: unknown): string | null {
  const stack: unknown[] = [root];
  const problem = (text: string): string | null => {
    if (text.includes('\u0000')) return 'contains a NUL character (\\u0000), which jsonb cannot store';
    if (!text.isWellFormed()) return 'contains a lone UTF-16 surrogate, which jsonb cannot store';
    return null;
  };
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      const found = problem(value);
      if (found) return found;
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        const found = problem(key);
        if (found) return found;
        const width = Object.hasOwn(STORED_STRING_WIDTHS, key) ? STORED_STRING_WIDTHS[key] : undefined;
        if (width !== undefined && typeof child === 'string' && child.length > width) {
          return `${key} longer than ${width} characters`;
        }
        stack.push(child);
      }
    }
  }
  return null;
}
