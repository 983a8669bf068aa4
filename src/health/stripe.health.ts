import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import Stripe from 'stripe';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';

const CACHE_MS = 30_000;
const TIMEOUT_MS = 3_000;

/**
 * Stripe reachability for GET /health (monitoring only; never a liveness probe). Cached for 30 s so a
 * monitoring loop does not spend Stripe's rate limit.
 */
@Injectable()
export class StripeHealthIndicator {
  private cached?: { at: number; up: boolean; error?: string };

  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(key = 'stripe'): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    const now = Date.now();
    if (!this.cached || now - this.cached.at > CACHE_MS) {
      try {
        await Promise.race([
          this.stripe.products.list({ limit: 1 }),
          new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), TIMEOUT_MS).unref()),
        ]);
        this.cached = { at: now, up: true };
      } catch (err) {
        const message = err instanceof Stripe.errors.StripeError ? err.type : (err as Error).message;
        this.cached = { at: now, up: false, error: message };
      }
    }
    return this.cached.up ? indicator.up() : indicator.down({ message: this.cached.error });
  }
}
