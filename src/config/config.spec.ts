import { randomBytes } from 'node:crypto';
import { loadAppConfig } from './app.config';
import { entropyBits, loadAuthConfig } from './auth.config';
import { loadConsoleConfig } from './console.config';
import { loadDatabaseConfig } from './database.config';
import { checkAll, ConfigError } from './env';
import { loadRetentionConfig } from './retention.config';
import { loadStripeConfig } from './stripe.config';

/** Placeholders with the live prefix, assembled so nothing here resembles a real key. */
const fake = (prefix: string): string => `${prefix}_live_${'0'.repeat(8)}placeholder`;

const prod = {
  NODE_ENV: 'production',
  STRIPE_SECRET_KEY: fake('sk'),
  STRIPE_PUBLIC_KEY: fake('pk'),
  WEBHOOK_SECRET: 'whsec_placeholder',
  JWT_SECRET: 'x7Hq9vR2mL4pT8wK1zN6bC3yF5gJ0dSa',
  DATABASE_URL: 'postgresql://app@db:5432/tollgate',
};

const problem = (load: () => unknown): string => {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return 'no error';
};

describe('configuration', () => {
  it('boots with no variables at all: port 8000, embedded database, emulator with a generated webhook secret', () => {
    expect(loadAppConfig({}).port).toBe(8000);
    expect(loadDatabaseConfig({}).embedded).toBe(true);
    const stripe = loadStripeConfig({});
    expect(stripe.mode).toBe('emulator');
    expect(stripe.webhookSecrets[0]).toMatch(/^whsec_[0-9a-f]{48}$/);
  });

  it('accepts a complete production environment and never runs the emulator there', () => {
    const stripe = loadStripeConfig(prod);
    expect(stripe).toMatchObject({ mode: 'live', emulator: false });
    expect(loadAuthConfig(prod).jwtSecretGenerated).toBe(false);
    expect(loadDatabaseConfig(prod)).toMatchObject({ embedded: false, migrateOnStart: false });
  });

  it('refuses test keys, a missing or weak JWT secret and a missing webhook secret in production, naming the variable', () => {
    expect(problem(() => loadStripeConfig({ ...prod, STRIPE_SECRET_KEY: 'sk_test_abc' }))).toBe(
      'Invalid configuration: STRIPE_SECRET_KEY is a test key; production needs a live key',
    );
    expect(problem(() => loadStripeConfig({ ...prod, STRIPE_PUBLIC_KEY: 'pk_test_abc' }))).toContain(
      'STRIPE_PUBLIC_KEY',
    );
    expect(problem(() => loadStripeConfig({ ...prod, STRIPE_SECRET_KEY: undefined }))).toBe(
      'Invalid configuration: STRIPE_SECRET_KEY is required in production',
    );
    expect(problem(() => loadStripeConfig({ ...prod, WEBHOOK_SECRET: undefined }))).toContain(
      'WEBHOOK_SECRET',
    );
    expect(problem(() => loadDatabaseConfig({ ...prod, DATABASE_URL: undefined }))).toBe(
      'Invalid configuration: DATABASE_URL is required in production (the embedded database is for development)',
    );
    expect(problem(() => loadDatabaseConfig({ DB_CONNECT_TIMEOUT_MS: '5s' }))).toContain(
      'DB_CONNECT_TIMEOUT_MS',
    );
    expect(problem(() => loadAuthConfig({ ...prod, JWT_SECRET: undefined }))).toContain(
      'JWT_SECRET is required',
    );
    expect(problem(() => loadAuthConfig({ ...prod, JWT_SECRET: 'secret' }))).toContain(
      'JWT_SECRET is too weak',
    );
  });

  it('rejects malformed values with one line naming the variable and the problem', () => {
    expect(problem(() => loadAppConfig({ PORT: 'eighty' }))).toBe(
      'Invalid configuration: PORT must be an integer, got "eighty"',
    );
    expect(problem(() => loadAppConfig({ PORT: '70000' }))).toContain('PORT must be between 0 and 65535');
    expect(problem(() => loadAppConfig({ LOG_LEVEL: 'loud' }))).toContain('LOG_LEVEL must be one of');
    expect(problem(() => loadAppConfig({ FRONTEND_URL: 'not a url' }))).toContain(
      'FRONTEND_URL must be an absolute URL',
    );
    expect(problem(() => loadDatabaseConfig({ DATABASE_URL: 'mysql://x' }))).toContain(
      'DATABASE_URL must use',
    );
    expect(problem(() => loadStripeConfig({ STRIPE_SECRET_KEY: 'nope' }))).toContain(
      'STRIPE_SECRET_KEY must look like',
    );
    expect(problem(() => loadStripeConfig({ WEBHOOK_SECRET: 'abc' }))).toContain('WEBHOOK_SECRET must be');
    expect(problem(() => loadStripeConfig({ STRIPE_SECRET_KEY: 'sk_test_abc' }))).toContain(
      'WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set',
    );
  });

  it("keeps the spec's spellings: LOG_LEVEL=DEBUG and DEBUG=False", () => {
    expect(loadAppConfig({ LOG_LEVEL: 'DEBUG', DEBUG: 'False' })).toMatchObject({
      logLevel: 'debug',
      debug: false,
    });
    expect(loadStripeConfig({ WEBHOOK_SECRET: 'whsec_a,whsec_b' }).webhookSecrets).toEqual([
      'whsec_a',
      'whsec_b',
    ]);
  });

  it('validates the identity provider settings: issuer needed with a JWKS URL, AUTH_LOCAL=false needs one', () => {
    expect(loadAuthConfig({}).external).toBeUndefined();
    expect(problem(() => loadAuthConfig({ AUTH_JWKS_URL: 'https://idp.example.com/jwks.json' }))).toBe(
      'Invalid configuration: AUTH_ISSUER is required when AUTH_JWKS_URL is set',
    );
    expect(problem(() => loadAuthConfig({ AUTH_LOCAL: 'false' }))).toContain('AUTH_LOCAL can be false only');
    expect(
      problem(() => loadAuthConfig({ ...prod, AUTH_ISSUER: 'http://idp.example.com/', AUTH_LOCAL: 'false' })),
    ).toContain('AUTH_ISSUER must use https:');
    const external = loadAuthConfig({
      AUTH_ISSUER: 'https://idp.example.com/',
      AUTH_AUDIENCE: 'a,b',
    }).external;
    expect(external).toMatchObject({
      issuer: 'https://idp.example.com/',
      audience: ['a', 'b'],
      userClaim: 'sub',
      emailClaim: 'email',
    });
    // External-only production needs no JWT_SECRET: no local token is accepted there.
    expect(
      loadAuthConfig({
        ...prod,
        JWT_SECRET: undefined,
        AUTH_LOCAL: 'false',
        AUTH_ISSUER: 'https://idp.example.com/',
      }).local,
    ).toBe(false);
  });
});

describe('configuration: bind address and Swagger', () => {
  it('binds loopback outside production and every interface in production unless HOST says otherwise', () => {
    expect(loadAppConfig({}).host).toBe('127.0.0.1');
    expect(loadAppConfig({ NODE_ENV: 'production' }).host).toBe('0.0.0.0');
    expect(loadAppConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadAppConfig({ NODE_ENV: 'production', HOST: '10.0.0.7' }).host).toBe('10.0.0.7');
  });

  it('serves Swagger unless DOCS_ENABLED=false, production included', () => {
    expect(loadAppConfig({ NODE_ENV: 'production' }).docsEnabled).toBe(true);
    expect(loadAppConfig({ DOCS_ENABLED: 'false' }).docsEnabled).toBe(false);
    expect(problem(() => loadAppConfig({ DOCS_ENABLED: 'nope' }))).toContain('DOCS_ENABLED');
  });
});

describe('configuration: hardening (issue 12)', () => {
  it('reports every production refusal of one boot together, one line each', () => {
    const env = {
      ...prod,
      JWT_SECRET: undefined,
      STRIPE_SECRET_KEY: 'sk_test_abc',
      WEBHOOK_SECRET: undefined,
    };
    let lines: string[] = [];
    try {
      checkAll([() => loadAuthConfig(env), () => loadStripeConfig(env)]);
    } catch (err) {
      lines = (err as ConfigError).lines;
    }
    expect(lines).toEqual([
      'Invalid configuration: JWT_SECRET is required in production',
      'Invalid configuration: STRIPE_SECRET_KEY is a test key; production needs a live key',
      'Invalid configuration: WEBHOOK_SECRET is required in production',
    ]);
  });

  it('refuses a long JWT secret with no entropy in production (40 × "a", a repeated word)', () => {
    for (const weak of ['a'.repeat(40), 'ab'.repeat(20), 'tollgate'.repeat(4)]) {
      expect(problem(() => loadAuthConfig({ ...prod, JWT_SECRET: weak }))).toContain(
        'JWT_SECRET is too weak',
      );
    }
    expect(entropyBits('a'.repeat(40))).toBe(0);
    expect(loadAuthConfig({ ...prod, JWT_SECRET: randomBytes(16).toString('hex') }).jwtSecretGenerated).toBe(
      false,
    );
  });

  it('gives BODY_LIMIT=huge and the database timeouts one line each, never a stack trace', () => {
    expect(problem(() => loadAppConfig({ BODY_LIMIT: 'huge' }))).toBe(
      'Invalid configuration: BODY_LIMIT must be a size such as 100kb or 1mb (at most 64mb), got "huge"',
    );
    expect(problem(() => loadAppConfig({ JSON_MAX_DEPTH: '0' }))).toContain('JSON_MAX_DEPTH must be between');
    expect(problem(() => loadDatabaseConfig({ DB_POOL_SIZE: 'ten' }))).toBe(
      'Invalid configuration: DB_POOL_SIZE must be an integer, got "ten"',
    );
    expect(problem(() => loadDatabaseConfig({ CREDITS_BATCH_MAX: '0' }))).toContain(
      'CREDITS_BATCH_MAX must be between',
    );
    expect(loadDatabaseConfig({ CREDITS_BATCH_MAX: '1' }).creditsBatchMax).toBe(1);
    expect(loadDatabaseConfig({}).creditsBatchMax).toBe(256);
    expect(problem(() => loadDatabaseConfig({ DB_STATEMENT_TIMEOUT_MS: '5s' }))).toContain(
      'DB_STATEMENT_TIMEOUT_MS must be an integer',
    );
    expect(loadDatabaseConfig({})).toMatchObject({
      statementTimeoutMs: 15_000,
      poolAcquireTimeoutMs: 5000,
      queryTimeoutMs: 20_000,
    });
  });

  it('retention: on by default with windows that keep Stripe retries deduplicated; a window under 7 days is refused', () => {
    expect(loadRetentionConfig({})).toEqual({
      enabled: true,
      intervalMinutes: 60,
      batchSize: 1000,
      webhookEventsDays: 30,
      consumeRequestsDays: 7,
      outboundDays: 30,
    });
    expect(problem(() => loadRetentionConfig({ RETENTION_WEBHOOK_EVENTS_DAYS: '3' }))).toBe(
      'Invalid configuration: RETENTION_WEBHOOK_EVENTS_DAYS must be between 7 and 3650, got 3',
    );
    expect(problem(() => loadRetentionConfig({ RETENTION_ENABLED: 'sometimes' }))).toBe(
      'Invalid configuration: RETENTION_ENABLED must be true or false, got "sometimes"',
    );
    expect(problem(() => loadRetentionConfig({ RETENTION_BATCH_SIZE: '0' }))).toContain(
      'RETENTION_BATCH_SIZE',
    );
  });
});

describe('configuration: console sign-in with the identity provider', () => {
  const oidc = {
    AUTH_ISSUER: 'https://idp.example.com/',
    CONSOLE_OIDC_CLIENT_ID: 'tollgate-console',
    CONSOLE_OIDC_REDIRECT_URL: 'https://billing.example.com/console/auth/oidc/callback',
  };

  it('is off unless a client id is set, and then needs AUTH_ISSUER and a redirect URL to the callback', () => {
    expect(loadConsoleConfig({}).oidc).toBeUndefined();
    expect(loadConsoleConfig(oidc).oidc).toEqual({
      clientId: 'tollgate-console',
      clientSecret: undefined,
      redirectUrl: oidc.CONSOLE_OIDC_REDIRECT_URL,
      scope: 'openid email',
    });
    expect(() => loadConsoleConfig({ ...oidc, AUTH_ISSUER: undefined })).toThrow(/AUTH_ISSUER/);
    expect(() => loadConsoleConfig({ ...oidc, CONSOLE_OIDC_REDIRECT_URL: undefined })).toThrow(
      /CONSOLE_OIDC_REDIRECT_URL/,
    );
    expect(() =>
      loadConsoleConfig({ ...oidc, CONSOLE_OIDC_REDIRECT_URL: 'https://billing.example.com/elsewhere' }),
    ).toThrow(/\/console\/auth\/oidc\/callback/);
    expect(() =>
      loadConsoleConfig({
        ...oidc,
        NODE_ENV: 'production',
        CONSOLE_OIDC_REDIRECT_URL: 'http://billing.example.com/console/auth/oidc/callback',
      }),
    ).toThrow(ConfigError);
    expect(() => loadConsoleConfig({ CONSOLE_OIDC_REDIRECT_URL: oidc.CONSOLE_OIDC_REDIRECT_URL })).toThrow(
      /CONSOLE_OIDC_CLIENT_ID/,
    );
  });
});
