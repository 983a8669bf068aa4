import { ConfigType, registerAs } from '@nestjs/config';
import { demoEnabled } from './demo.config';
import { bool, bytes, int, isProduction, isTest, list, oneOf, str, url } from './env';

/** JSON_MAX_DEPTH's default: far above any request this API takes, far below a stack overflow. */
export const DEFAULT_JSON_MAX_DEPTH = 32;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadAppConfig(env: NodeJS.ProcessEnv = process.env) {
  const debug = bool(env, 'DEBUG', false);
  const port = int(env, 'PORT', 8000, 0, 65535);
  return {
    nodeEnv: str(env, 'NODE_ENV', 'development')!,
    production: isProduction(env),
    port,
    /** Loopback outside production (open /metrics, time travel and Swagger stay off the LAN); images set HOST. */
    host: str(env, 'HOST', isProduction(env) ? '0.0.0.0' : '127.0.0.1')!,
    /** Swagger UI at /docs and the OpenAPI JSON at /docs-json (DOCS_ENABLED=false: both 404). */
    docsEnabled: bool(env, 'DOCS_ENABLED', true),
    /** Checkout and portal return here; with the demo on (development), the demo page itself. */
    frontendUrl: url(
      env,
      'FRONTEND_URL',
      demoEnabled(env) ? `http://localhost:${port || 8000}/demo` : 'http://localhost:3000',
    )!,
    /** Host header allow-list (the spec's ALLOWED_HOSTS); empty = any host. */
    allowedHosts: list(env, 'ALLOWED_HOSTS').map((h) => h.toLowerCase()),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, isTest(env) ? 'silent' : debug ? 'debug' : 'info'),
    debug,
    /** BODY_LIMIT (e.g. 100kb, 1mb) in bytes: the largest JSON body the API reads. */
    bodyLimitBytes: bytes(env, 'BODY_LIMIT', '100kb'),
    /** JSON_MAX_DEPTH: a body nested deeper (objects + arrays) is refused with 400 before it is parsed. */
    jsonMaxDepth: int(env, 'JSON_MAX_DEPTH', DEFAULT_JSON_MAX_DEPTH, 1, 1000),
    throttle: {
      ttlMs: int(env, 'THROTTLE_TTL_MS', 60_000, 1000),
      limit: int(env, 'THROTTLE_LIMIT', 120, 1),
      authLimit: int(env, 'THROTTLE_AUTH_LIMIT', 10, 1),
      checkoutLimit: int(env, 'THROTTLE_CHECKOUT_LIMIT', 5, 1),
      /**
       * Spending credits (routes in the `consume` tier: consume, and holds when they come), per user and per API
       * key: a metering client spends in bursts of thousands, and its credits, not this limit, should stop it.
       */
      consumeLimit: int(env, 'THROTTLE_CONSUME_LIMIT', 6000, 1),
      /** Per API key and route: a backend acting for many users is not limited like one browser. */
      apiKeyLimit: int(env, 'THROTTLE_API_KEY_LIMIT', 6000, 1),
      /** Set → counters live in Redis, shared by every instance; unset → per-process memory. */
      redisUrl: url(env, 'REDIS_URL', undefined, ['redis:', 'rediss:']),
      redisPrefix: str(env, 'THROTTLE_REDIS_PREFIX', 'tollgate:throttle:')!,
    },
    /** past_due keeps access this many days (Stripe is still retrying the payment). */
    pastDueGraceDays: int(env, 'PAST_DUE_GRACE_DAYS', 7, 0, 60),
    adminEmails: list(env, 'ADMIN_EMAILS').map((e) => e.toLowerCase()),
    version: str(env, 'APP_VERSION', process.env.npm_package_version ?? '0.1.0')!,
  };
}

export const appConfig = registerAs('app', () => loadAppConfig());
export type AppConfig = ConfigType<typeof appConfig>;
