import Stripe from 'stripe';
import { parseStripeApiUrl } from '../stripe-emulator/api-url';

export interface StripeClientOptions {
  secretKey: string;
  /** A Stripe-compatible server (the emulator, stripe-mock); unset = api.stripe.com. */
  apiUrl?: string;
}

/** Builds the Stripe SDK client the same way everywhere (app and command-line tools). */
export function createStripeClient({ secretKey, apiUrl }: StripeClientOptions): Stripe {
  return new Stripe(secretKey, {
    ...(apiUrl ? parseStripeApiUrl(apiUrl) : {}),
    maxNetworkRetries: 2,
    timeout: 20_000,
    appInfo: { name: 'Tollgate', url: 'https://github.com/tollgate' },
  });
}
