import { Inject, Injectable, Logger } from '@nestjs/common';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AppError, ErrorCode } from '../common/errors';
import { authConfig, AuthConfig, EXTERNAL_ALGORITHMS } from '../config/auth.config';

type ExternalAuth = NonNullable<AuthConfig['external']>;

/**
 * Verifies the host identity provider's tokens with jose: asymmetric algorithms only (RS256, ES256, EdDSA),
 * `iss`, `aud`, `exp` (required) and `nbf` checked with a clock tolerance. Keys come from the JWKS
 * (AUTH_JWKS_URL, or discovered from the issuer) and are cached; an unknown `kid` refetches the set at most
 * once per cooldown window, so key rotation needs no restart and a flood of made-up kids cannot hammer the IdP.
 */
@Injectable()
export class ExternalTokenVerifier {
  private readonly logger = new Logger('ExternalTokenVerifier');
  private readonly config?: ExternalAuth;
  private jwks?: Promise<JWTVerifyGetKey>;

  constructor(@Inject(authConfig.KEY) auth: AuthConfig) {
    this.config = auth.external;
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
    if (!config) throw new AppError(ErrorCode.AuthTokenInvalid);
    try {
      const { payload } = await jwtVerify(token, await this.keys(config), {
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
      return new AppError(ErrorCode.AuthProviderUnavailable);
    }
    return new AppError(ErrorCode.AuthTokenInvalid);
  }

  /** The remote key set, built once; with discovery, a failed lookup is retried on the next token. */
  private keys(config: ExternalAuth): Promise<JWTVerifyGetKey> {
    this.jwks ??= this.jwksUrl(config).then((url) =>
      createRemoteJWKSet(url, {
        cooldownDuration: config.jwksCooldownMs,
        cacheMaxAge: config.jwksCacheMaxAgeMs,
        timeoutDuration: config.jwksTimeoutMs,
      }),
    );
    this.jwks.catch(() => (this.jwks = undefined));
    return this.jwks;
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
