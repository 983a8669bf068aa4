import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import Stripe from 'stripe';
import { ConfigError } from '../config/env';
import { stripeConfig, StripeConfig } from '../config/stripe.config';
import { STRIPE_CLIENT } from './stripe.constants';

/**
 * With STRIPE_AUTOMATIC_TAX on, Stripe refuses every taxed checkout until Stripe Tax is active on the account:
 * find that out at startup and refuse to start with one line, not at the first customer's checkout.
 */
@Injectable()
export class StripeTaxCheck implements OnApplicationBootstrap {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(stripeConfig.KEY) private readonly config: StripeConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.automaticTax) return;
    const settings = await this.stripe.tax.settings.retrieve();
    if (settings.status === 'active') return;
    const missing = settings.status_details.pending?.missing_fields ?? [];
    throw new ConfigError(
      'STRIPE_AUTOMATIC_TAX',
      `is true but Stripe Tax is not active on this Stripe account (status ${settings.status}${
        missing.length ? `, missing ${missing.join(', ')}` : ''
      }): set it up at https://dashboard.stripe.com/settings/tax, or unset STRIPE_AUTOMATIC_TAX`,
    );
  }
}
