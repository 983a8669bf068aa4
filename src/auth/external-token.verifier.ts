import { Inject, Injectable, Logger } from '@nestjs/common';
import { errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { AppError, ErrorCode } from '../common/errors';
import { authConfig, AuthConfig, EXTERNAL_ALGORITHMS } from '../config/auth.config';
import { JwksCache } from './jwks-cache';

type ExternalAuth = NonNullable<AuthConfig['external']>;

/**
 * Verifies the host identity provider's tokens with jose: asymmetric algorithms only (RS256, ES256, EdDSA),
 * `iss`, `aud`, `exp` (required) and `nbf` checked with a clock tolerance. Keys come from the JWKS
 * (AUTH_JWKS_URL, or discovered from the issuer) and are cached; an unknown `kid` refetches the set at most
 * once per AUTH_JWKS_MIN_REFETCH_MS (JwksCache), so a rotated key is accepted within that window, needs no
 * restart, and a flood of made-up kids cannot hammer the IdP.
 */
@Injectable()
export class ExternalTokenVerifier {
  private readonly logger = new Logger('ExternalTokenVerifier');
  private readonly config?: ExternalAuth;
  private readonly jwks?: JwksCache;
  private jwksUrlFound?: Promise<URL>;

  constructor(@Inject(authConfig.KEY) auth: AuthConfig) {
    const config = (this.config = auth.external);
    if (config) {
      this.jwks = new JwksCache(() => this.fetchJwks(config), {
        minRefetchMs: config.jwksMinRefetchMs,
        cacheMaxAgeMs: config.jwksCacheMaxAgeMs,
      });
    }
  }

  get enabled(): boolean {
    return this.config !== undefined;
  }

  get issuer(): string | undefined {
    return this.config?.issuer;
  }

  /** The verified claims; throws AppError(AUTH_TOKEN_INVALID | AUTH_TOKEN_EXPIRED | AUTH_PROVIDER_UNAVAILABLE). */
  async verify(token: string): Promise<JWTPayload> {
    const config = this.config;
    if (!config || !this.jwks) throw new AppError(ErrorCode.AuthTokenInvalid);
    try {
      const { payload } = await jwtVerify(token, this.jwks.getKey, {
        issuer: config.issuer,
        audience: config.audience.length > 0 ? config.audience : undefined,
        algorithms: [...EXTERNAL_ALGORITHMS],
        clockTolerance: config.clockToleranceSeconds,
        requiredClaims: ['exp'],
      });
      return payload;
    } catch (err) {
      throw this.toAppError(err);
    }
  }

  private toAppError(err: unknown): AppError {
    if (err instanceof AppError) return err;
    if (err instanceof errors.JWTExpired) return new AppError(ErrorCode.AuthTokenExpired);
    if (err instanceof errors.JWTClaimValidationFailed) {
      return new AppError(
        ErrorCode.AuthTokenInvalid,
        `The bearer token's ${err.claim} claim is not accepted.`,
      );
    }
    if (
      err instanceof errors.JWKSTimeout ||
      err instanceof errors.JWKSInvalid ||
      (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC') ||
      !(err instanceof errors.JOSEError)
    ) {
      // The key set could not be fetched or read: the IdP (or the network to it) is down, not the caller.
      this.logger.warn(
        { err: { name: (err as Error).name, message: (err as Error).message } },
        'JWKS unavailable',
      );
      return new AppError(ErrorCode.AuthProviderUnavailable, undefined, undefined, { 'Retry-After': '1' });
    }
    return new AppError(ErrorCode.AuthTokenInvalid);
  }

  /** One fetch of the key set (the URL discovered once; a failed discovery is retried on the next fetch). */
  private async fetchJwks(config: ExternalAuth): Promise<JSONWebKeySet> {
    this.jwksUrlFound ??= this.jwksUrl(config);
    this.jwksUrlFound.catch(() => (this.jwksUrlFound = undefined));
    const url = await this.jwksUrlFound;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(config.jwksTimeoutMs) });
      if (!res.ok) throw new Error(`the key set answered ${res.status}`);
      const set = (await res.json()) as Partial<JSONWebKeySet>;
      if (!Array.isArray(set.keys)) throw new Error('the key set has no keys array');
      return set as JSONWebKeySet;
    } catch (err) {
      // The key set could not be fetched or read: the IdP (or the network to it) is down, not the caller.
      this.logger.warn({ url: url.href, message: (err as Error).message }, 'JWKS unavailable');
      throw err;
    }
  }

  private async jwksUrl(config: ExternalAuth): Promise<URL> {
    if (config.jwksUrl) return new URL(config.jwksUrl);
    const discovery = `${config.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let doc: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const res = await fetch(discovery, { signal: AbortSignal.timeout(config.jwksTimeoutMs) });
      if (!res.ok) throw new Error(`discovery answered ${res.status}`);
      doc = (await res.json()) as typeof doc;
    } catch (err) {
      this.logger.warn({ url: discovery, message: (err as Error).message }, 'OIDC discovery failed');
      throw new AppError(ErrorCode.AuthProviderUnavailable);
    }
    // OIDC Discovery §4.3: the document's issuer must be the one configured, or its keys are not trusted.
    if (doc.issuer !== config.issuer || typeof doc.jwks_uri !== 'string') {
      this.logger.error({ url: discovery }, 'OIDC discovery document does not match AUTH_ISSUER');
      throw new AppError(ErrorCode.AuthProviderUnavailable);
    }
    return new URL(doc.jwks_uri);
  }
}
