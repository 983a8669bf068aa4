import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { stripeConfig, StripeConfig } from '../config/stripe.config';
import { AppError, ErrorCode } from '../common/errors';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { parseWebhookPayload } from './webhook-payload';

/**
 * Verifies Stripe-Signature on the raw bytes with every configured secret (rotation: WEBHOOK_SECRET may hold
 * several, comma-separated) and a 300 s tolerance. Nothing is parsed before this passes; a verified delivery
 * that cannot be an event (not JSON, no id/type, an id too long to store, a NUL jsonb refuses) is a poison
 * delivery: answered 400 (Stripe stops retrying), logged at warn and counted, never stored.
 */
@Injectable()
export class WebhookSignatureService {
  private readonly logger = new Logger('WebhookSecurity');
  /** Rejected deliveries since boot (exposed for monitoring). */
  rejected = 0;
  /** Verified deliveries refused as poison since boot. */
  poison = 0;

  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(stripeConfig.KEY) private readonly config: StripeConfig,
  ) {}

  verify(raw: unknown, signature: string | undefined, remoteIp: string | undefined): Stripe.Event {
    const header = signature === undefined ? undefined : withoutEmptySignatures(signature);
    // The SDK refuses old timestamps only; one far in the future is as suspect (a replay window held open).
    const future =
      header !== undefined && signedAt(header) - Date.now() / 1000 > this.config.webhookToleranceSeconds;
    if (Buffer.isBuffer(raw) && header && !future) {
      for (const secret of this.config.webhookSecrets) {
        try {
          this.stripe.webhooks.signature!.verifyHeader(
            raw,
            header,
            secret,
            this.config.webhookToleranceSeconds,
          );
        } catch (err) {
          if (err instanceof Stripe.errors.StripeSignatureVerificationError) continue;
          throw err;
        }
        return this.parse(raw, remoteIp);
      }
    }
    this.rejected += 1;
    this.logger.warn(
      {
        security_event: 'webhook_signature_invalid',
        remote_ip: remoteIp,
        has_signature: Boolean(signature),
        ...(future ? { reason: 'timestamp_in_future' } : {}),
        rejected_total: this.rejected,
      },
      'rejected a webhook delivery with a missing or invalid signature',
    );
    throw new AppError(ErrorCode.WebhookSignatureInvalid);
  }

  private parse(raw: Buffer, remoteIp: string | undefined): Stripe.Event {
    const result = parseWebhookPayload(raw);
    if ('event' in result) return result.event;
    this.poison += 1;
    this.logger.warn(
      {
        security_event: 'webhook_payload_rejected',
        problem: result.problem,
        remote_ip: remoteIp,
        bytes: raw.length,
        poison_total: this.poison,
      },
      `rejected a signed webhook delivery that is not a storable event: ${result.problem}`,
    );
    throw new AppError(
      ErrorCode.WebhookPayloadInvalid,
      `The webhook payload is not a storable Stripe event: ${result.problem}.`,
    );
  }
}

/**
 * Drops `v1=` elements with no value: the SDK cannot compare an empty signature (it throws a plain Error, which
 * would answer 500) and an empty one can never match anyway. A header left without any v1 fails verification.
 */
function withoutEmptySignatures(header: string): string {
  return header
    .split(',')
    .filter((part) => !/^\s*v1\s*=\s*$/.test(part))
    .join(',');
}

/** The `t=` of a Stripe-Signature header (unix seconds), or 0 when there is none. */
function signedAt(header: string): number {
  const match = /(?:^|,)\s*t=(\d{1,12})\s*(?:,|$)/.exec(header);
  return match ? Number(match[1]) : 0;
}
