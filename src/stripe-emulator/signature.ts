import { createHmac } from 'node:crypto';

/** `Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<payload>")>` exactly as Stripe signs webhooks. */
export function signPayload(payload: string, secret: string, timestamp: number): string {
  const v1 = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${v1}`;
}

export function createSignedPayload(
  event: object,
  secret: string,
  timestamp = Math.floor(Date.now() / 1000),
): { payload: string; header: string } {
  const payload = JSON.stringify(event, null, 2);
  return { payload, header: signPayload(payload, secret, timestamp) };
}
