import type Stripe from 'stripe';
import { createStripeClient } from '../stripe/create-stripe-client';

/**
 * The Stripe client for catalog commands, from STRIPE_SECRET_KEY and/or STRIPE_API_URL (an emulator started with
 * `npm run stripe:emulator`). Live keys need `--live`: the catalog commands are meant for test mode.
 */
export function catalogStripeClient(argv: string[]): { stripe: Stripe; target: string } {
  const secretKey = process.env.STRIPE_SECRET_KEY?.trim() || undefined;
  const apiUrl = process.env.STRIPE_API_URL?.trim() || undefined;
  if (!secretKey && !apiUrl) {
    throw new Error(
      'Set STRIPE_SECRET_KEY (a test-mode key) or STRIPE_API_URL (a running emulator, e.g. from npm run stripe:emulator).',
    );
  }
  if (secretKey && !/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/.test(secretKey)) {
    throw new Error('STRIPE_SECRET_KEY must look like sk_test_… (or sk_live_… with --live)');
  }
  if (secretKey?.includes('_live_') && !argv.includes('--live')) {
    throw new Error(
      'STRIPE_SECRET_KEY is a live key: pass --live if you really mean to change the live catalog.',
    );
  }
  const stripe = createStripeClient({ secretKey: secretKey ?? 'sk_test_tollgate_emulator', apiUrl });
  const target = apiUrl
    ? `Stripe at ${apiUrl}`
    : secretKey!.includes('_live_')
      ? 'Stripe LIVE mode'
      : 'Stripe test mode';
  return { stripe, target };
}
