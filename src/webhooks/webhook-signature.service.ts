import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { stripeConfig, StripeConfig } from '../config/stripe.config';
import { AppError, ErrorCode } from '../common/errors';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';

/**
 * Verifies Stripe-Signature on the raw bytes with every configured secret (rotation: WEBHOOK_SECRET may hold
 * several, comma-separated) and a 300 s tolerance. Nothing is parsed before this passes.
 */
@Injectable()
export class WebhookSignatureService {
  private readonly logger = new Logger('WebhookSecurity');
  /** Rejected deliveries since boot (exposed for monitoring). */
  rejected = 0;

  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(stripeConfig.KEY) private readonly config: StripeConfig,
  ) {}

  verify(raw: unknown, signature: string | undefined, remoteIp: string | undefined): Stripe.Event {
    if (Buffer.isBuffer(raw) && signature) {
      for (const secret of this.config.webhookSecrets) {
        try {
          return this.stripe.webhooks.constructEvent(
            raw,
            signature,
            secret,
            this.config.webhookToleranceSeconds,
          );
        } catch (err) {
          if (!(err instanceof Stripe.errors.StripeSignatureVerificationError)) throw err;
        }
      }
    }
    this.rejected += 1;
    this.logger.warn(
      {
        security_event: 'webhook_signature_invalid',
        remote_ip: remoteIp,
        has_signature: Boolean(signature),
        rejected_total: this.rejected,
      },
      'rejected a webhook delivery with a missing or invalid signature',
    );
    throw new AppError(ErrorCode.WebhookSignatureInvalid);
  }
}
