import type { OutboundPayloads } from './reactions/payloads';

/** Every outbound event type, with stable names (add, never rename). Payload versions are per type. */
export const OUTBOUND_EVENT_TYPES = [
  'purchase.completed',
  'credits.granted',
  'credits.clawed_back',
  'credits.low',
  'credits.depleted',
  'credits.consumed',
  'credits.expired',
  'credits.voided',
  'credits.expiring_soon',
  'credits.hold_settled',
  'subscription.created',
  'subscription.updated',
  'subscription.canceled',
  'payment.succeeded',
  'payment.failed',
  'refund.processed',
  'entitlements.updated',
  'webhook.test',
  'credits.recovered',
  'auto_top_up.failed',
  'payment.action_required',
  'usage.overage_started',
  'usage.cap_reached',
] as const;
export type OutboundEventType = (typeof OUTBOUND_EVENT_TYPES)[number];

/** Events that come from the consume hot path: recorded only while some enabled endpoint subscribes to one. */
export const CONSUMPTION_EVENT_TYPES: OutboundEventType[] = [
  'credits.low',
  'credits.depleted',
  'credits.consumed',
  'credits.hold_settled',
  'usage.overage_started',
  'usage.cap_reached',
];

/** The version of the envelope and of every payload below; a breaking change to one type bumps it. */
export const OUTBOUND_PAYLOAD_VERSION = 1;

/** What a reaction hands to emit(): the type, the user it is about, and that type's typed data (snake_case). */
export type OutboundEventInput = {
  [T in OutboundEventType]: { type: T; userId: string | null; data: OutboundPayloads[T] };
}[OutboundEventType];

/** The JSON body every receiver gets (Standard Webhooks' {type, timestamp, data}, plus ordering fields). */
export interface OutboundEnvelope {
  id: string;
  type: OutboundEventType;
  version: number;
  timestamp: string;
  user_id: string | null;
  external_id: string | null;
  sequence: number | null;
  data: OutboundPayloads[OutboundEventType];
}
