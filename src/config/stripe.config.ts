import { randomBytes } from 'node:crypto';
import { ConfigType, registerAs } from '@nestjs/config';
import { bool, checkAll, ConfigError, int, isProduction, isTest, list, str, url } from './env';

export function loadStripeConfig(env: NodeJS.ProcessEnv = process.env) {
  const production = isProduction(env);
  const secretKey = str(env, 'STRIPE_SECRET_KEY');
  const publicKey = str(env, 'STRIPE_PUBLIC_KEY');
  let webhookSecrets = list(env, 'WEBHOOK_SECRET');

  const refuse = (variable: string, problem: string) => () => {
    throw new ConfigError(variable, problem);
  };
  const checks: Array<() => void> = [];
  if (secretKey !== undefined && !/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/.test(secretKey)) {
    checks.push(refuse('STRIPE_SECRET_KEY', 'must look like sk_live_… or sk_test_…'));
  }
  if (publicKey !== undefined && !/^pk_(test|live)_[A-Za-z0-9_]+$/.test(publicKey)) {
    checks.push(refuse('STRIPE_PUBLIC_KEY', 'must look like pk_live_… or pk_test_…'));
  }
  if (webhookSecrets.some((s) => !s.startsWith('whsec_'))) {
    checks.push(refuse('WEBHOOK_SECRET', 'must be one or more comma-separated whsec_… secrets'));
  }
  if (production) {
    if (secretKey === undefined) checks.push(refuse('STRIPE_SECRET_KEY', 'is required in production'));
    else if (secretKey.includes('_test_'))
      checks.push(refuse('STRIPE_SECRET_KEY', 'is a test key; production needs a live key'));
    if (publicKey?.includes('_test_'))
      checks.push(refuse('STRIPE_PUBLIC_KEY', 'is a test key; production needs a live key'));
    if (webhookSecrets.length === 0) checks.push(refuse('WEBHOOK_SECRET', 'is required in production'));
  } else if (secretKey !== undefined && webhookSecrets.length === 0) {
    checks.push(
      refuse(
        'WEBHOOK_SECRET',
        'is required when STRIPE_SECRET_KEY is set (copy it from the webhook endpoint)',
      ),
    );
  }
  const apiUrl = url(env, 'STRIPE_API_URL');
  const builtin = bool(env, 'STRIPE_EMULATOR_BUILTIN', true);
  // STRIPE_EMULATOR_BUILTIN=false (Docker Compose sets it): inside a container the in-process emulator's hosted
  // checkout pages would point at the container's own loopback, so a missing key is refused, not emulated.
  if (!production && secretKey === undefined && apiUrl === undefined && !builtin) {
    checks.push(
      refuse(
        'STRIPE_SECRET_KEY',
        'is not set and STRIPE_EMULATOR_BUILTIN=false: put STRIPE_SECRET_KEY and WEBHOOK_SECRET (a Stripe test key) in .env, ' +
          'or set STRIPE_API_URL to a standalone emulator (COMPOSE_PROFILES=emulator STRIPE_API_URL=http://stripe-emulator:12111 docker compose up)',
      ),
    );
  }
  // Every problem of this group at once (a production boot lists all its refusals together).
  checkAll(checks);

  /** No key and not production: the built-in emulator serves the Stripe API in-process. */
  const emulator = secretKey === undefined && !production;
  if (emulator && webhookSecrets.length === 0) webhookSecrets = [`whsec_${randomBytes(24).toString('hex')}`];

  return {
    secretKey: secretKey ?? 'sk_test_tollgate_emulator',
    publicKey: publicKey ?? 'pk_test_tollgate_emulator',
    webhookSecrets,
    webhookToleranceSeconds: int(env, 'WEBHOOK_TOLERANCE_SECONDS', 300, 1, 3600),
    /** Stripe Tax on every checkout and renewal (needs Stripe Tax active on the account; checked at startup). */
    automaticTax: bool(env, 'STRIPE_AUTOMATIC_TAX', false),
    /** Point the SDK at another Stripe-compatible server (the emulator, stripe-mock). */
    apiUrl,
    emulator,
    /** A fixed port keeps hosted checkout URLs stable for a demo; tests take a random one. */
    emulatorPort: int(env, 'STRIPE_EMULATOR_PORT', isTest(env) ? 0 : 12111, 0, 65535),
    /** Emulator state file: persisted beside the embedded database so a restarted demo keeps its Stripe objects. */
    emulatorStatePath: str(
      env,
      'STRIPE_EMULATOR_STATE',
      isTest(env) ? undefined : '.data/stripe-emulator.json',
    ),
    webhooks: {
      /** How often the retry worker looks for due events. */
      workerIntervalMs: int(env, 'WEBHOOK_WORKER_INTERVAL_MS', 1000, 50, 600_000),
      /** After this many failed attempts an event is `dead` (visible in /admin/webhook-events). */
      maxAttempts: int(env, 'WEBHOOK_MAX_ATTEMPTS', 8, 1, 100),
      /** Backoff base: attempt n waits base * 2^(n-1), capped at one hour. */
      retryBaseMs: int(env, 'WEBHOOK_RETRY_BASE_MS', 2000, 10, 3_600_000),
      /** A claimed event whose processor vanished is re-claimable after this lease. */
      leaseMs: int(env, 'WEBHOOK_LEASE_MS', 60_000, 1000, 3_600_000),
    },
    mode: emulator ? 'emulator' : secretKey!.includes('_live_') ? 'live' : 'test',
  } as const;
}

export const stripeConfig = registerAs('stripe', () => loadStripeConfig());
export type StripeConfig = ConfigType<typeof stripeConfig>;
