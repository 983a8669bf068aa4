import { devJwtSecret } from './dev-secret';
import { ConfigType, registerAs } from '@nestjs/config';
import { bool, ConfigError, int, isProduction, list, str, url } from './env';

export const MIN_JWT_SECRET_LENGTH = 32;
/** 32 random hex characters score 96–128 by this estimate; 40 × 'a' scores 0, a word repeated to length ~80. */
export const MIN_JWT_SECRET_ENTROPY_BITS = 88;

/** Shannon entropy of the secret's own characters × its length: a cheap floor, not a proof of randomness. */
export function entropyBits(secret: string): number {
  const counts = new Map<string, number>();
  for (const ch of secret) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) perChar -= (n / secret.length) * Math.log2(n / secret.length);
  return perChar * secret.length;
}

/** Asymmetric only: an external token is never verified with a shared secret (no algorithm confusion). */
export const EXTERNAL_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'] as const;

/** The host's identity provider (OIDC/JWT); undefined when no AUTH_ISSUER is set. */
function loadExternalAuth(env: NodeJS.ProcessEnv) {
  const production = isProduction(env);
  const protocols = production ? ['https:'] : ['http:', 'https:'];
  const jwksUrl = url(env, 'AUTH_JWKS_URL', undefined, protocols);
  const issuer = str(env, 'AUTH_ISSUER');
  if (issuer === undefined) {
    if (jwksUrl !== undefined) throw new ConfigError('AUTH_ISSUER', 'is required when AUTH_JWKS_URL is set');
    if (str(env, 'AUTH_AUDIENCE') !== undefined) {
      throw new ConfigError('AUTH_ISSUER', 'is required when AUTH_AUDIENCE is set');
    }
    return undefined;
  }
  // Validated as a URL, kept exactly as written: `iss` is compared byte for byte (some IdPs end it with /).
  url(env, 'AUTH_ISSUER', undefined, protocols);
  return {
    issuer,
    /** Unset → discovered from <issuer>/.well-known/openid-configuration on the first external token. */
    jwksUrl,
    audience: list(env, 'AUTH_AUDIENCE'),
    userClaim: str(env, 'AUTH_USER_CLAIM', 'sub')!,
    emailClaim: str(env, 'AUTH_EMAIL_CLAIM', 'email')!,
    clockToleranceSeconds: int(env, 'AUTH_CLOCK_TOLERANCE_SECONDS', 30, 0, 300),
    /**
     * An unknown `kid` refetches the JWKS at most once per this window: a rotated key is accepted within it, a
     * flood of made-up kids costs one fetch per window. AUTH_JWKS_COOLDOWN_MS is its former name, still read
     * when this one is unset (its old 30 s default is not: that default kept rotated keys out for 30 s).
     */
    jwksMinRefetchMs: int(
      env,
      'AUTH_JWKS_MIN_REFETCH_MS',
      int(env, 'AUTH_JWKS_COOLDOWN_MS', 1000, 0, 3_600_000),
      0,
      3_600_000,
    ),
    /** Keys are refetched after this age even when every `kid` is known. */
    jwksCacheMaxAgeMs: int(env, 'AUTH_JWKS_CACHE_MAX_AGE_MS', 600_000, 1000, 86_400_000),
    jwksTimeoutMs: int(env, 'AUTH_JWKS_TIMEOUT_MS', 5000, 100, 60_000),
    /** How many (issuer, subject) → user ids are kept in memory, so a known user costs no query. */
    identityCacheSize: int(env, 'AUTH_IDENTITY_CACHE_SIZE', 10_000, 0, 1_000_000),
  };
}

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env) {
  const local = bool(env, 'AUTH_LOCAL', true);
  const external = loadExternalAuth(env);
  if (!local && !external) {
    throw new ConfigError('AUTH_LOCAL', 'can be false only with AUTH_ISSUER set (nobody could sign in)');
  }
  let jwtSecret = str(env, 'JWT_SECRET');
  let generated = false;
  if (jwtSecret === undefined) {
    if (isProduction(env) && local) throw new ConfigError('JWT_SECRET', 'is required in production');
    jwtSecret = devJwtSecret(env);
    generated = true;
  } else if (
    jwtSecret.length < MIN_JWT_SECRET_LENGTH ||
    /^(secret|changeme|password)/i.test(jwtSecret) ||
    entropyBits(jwtSecret) < MIN_JWT_SECRET_ENTROPY_BITS
  ) {
    if (isProduction(env) && local) {
      throw new ConfigError(
        'JWT_SECRET',
        `is too weak: use at least ${MIN_JWT_SECRET_LENGTH} random characters (e.g. openssl rand -hex 32)`,
      );
    }
  }
  return {
    /** AUTH_LOCAL=false: no /auth/register, /auth/login, and no token signed with JWT_SECRET is accepted. */
    local,
    external,
    jwtSecret,
    jwtSecretGenerated: generated,
    jwtExpiresInSeconds: int(env, 'JWT_EXPIRES_IN', 3600, 60, 60 * 60 * 24 * 30),
  };
}

export const authConfig = registerAs('auth', () => loadAuthConfig());
export type AuthConfig = ConfigType<typeof authConfig>;
