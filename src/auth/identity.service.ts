import { Inject, Injectable } from '@nestjs/common';
import type { JWTPayload } from 'jose';
import type { AuthUser } from '../common/decorators';
import { AppError, ErrorCode } from '../common/errors';
import { authConfig, AuthConfig } from '../config/auth.config';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import type { ExternalUserDto } from './dto/external-user.dto';
import { ExternalTokenVerifier } from './external-token.verifier';

/** The namespace of X-Tollgate-User ids when no identity provider is configured (API keys only). */
export const API_KEY_ISSUER = 'tollgate:api-key';

const EXTERNAL_ID = /^[\x21-\x7e]{1,255}$/;

const toAuthUser = (user: User): AuthUser => ({
  id: user.id,
  email: user.email,
  role: user.role,
  externalId: user.externalId ?? undefined,
});

/**
 * Who an external caller is: (issuer, subject) → a Tollgate user, provisioned on first sight. A bounded
 * in-memory map keeps known identities, so a verified token from a known user costs no query.
 * Local users (external_id NULL) are never reachable this way: no BOLA across the two kinds of identity.
 */
@Injectable()
export class IdentityService {
  private readonly known = new Map<string, AuthUser>();
  private readonly cacheSize: number;
  private readonly userClaim: string;
  private readonly emailClaim: string;

  constructor(
    @Inject(authConfig.KEY) auth: AuthConfig,
    private readonly users: UsersService,
    private readonly verifier: ExternalTokenVerifier,
  ) {
    this.cacheSize = auth.external?.identityCacheSize ?? 10_000;
    this.userClaim = auth.external?.userClaim ?? 'sub';
    this.emailClaim = auth.external?.emailClaim ?? 'email';
  }

  /** API keys name users in the IdP's namespace when there is one, so a token and a key reach the same user. */
  get apiKeyIssuer(): string {
    return this.verifier.issuer ?? API_KEY_ISSUER;
  }

  async fromExternalToken(token: string): Promise<AuthUser> {
    const claims = await this.verifier.verify(token);
    const subject = claims[this.userClaim];
    if (typeof subject !== 'string' || !EXTERNAL_ID.test(subject)) {
      throw new AppError(
        ErrorCode.AuthTokenInvalid,
        `The bearer token has no usable ${this.userClaim} claim.`,
      );
    }
    const issuer = claims.iss!;
    const cached = this.cached(issuer, subject);
    if (cached) return cached;
    const user = await this.users.upsertExternal(issuer, subject, {
      email: emailOf(claims, this.emailClaim),
    });
    return this.remember(issuer, subject, toAuthUser(user));
  }

  /** The user an API key acts for (X-Tollgate-User); 404 USER_NOT_FOUND until created (PUT /users/{id}). */
  async forApiKey(externalId: string): Promise<AuthUser> {
    if (!EXTERNAL_ID.test(externalId)) {
      throw new AppError(ErrorCode.ValidationFailed, 'X-Tollgate-User must be 1-255 printable characters.');
    }
    const issuer = this.apiKeyIssuer;
    const cached = this.cached(issuer, externalId);
    if (cached) return cached;
    const user = await this.users.findByExternalId(issuer, externalId);
    if (!user) throw new AppError(ErrorCode.UserNotFound);
    return this.remember(issuer, externalId, toAuthUser(user));
  }

  /** PUT /users/{external_id}: creates or updates the host's user in the API-key namespace. */
  async upsertForApiKey(
    externalId: string,
    fields: { email?: string | null; metadata?: Record<string, unknown> },
  ): Promise<ExternalUserDto> {
    if (!EXTERNAL_ID.test(externalId)) {
      throw new AppError(ErrorCode.ValidationFailed, 'external_id must be 1-255 printable characters.');
    }
    const user = await this.users.upsertExternal(this.apiKeyIssuer, externalId, fields);
    this.remember(this.apiKeyIssuer, externalId, toAuthUser(user));
    return {
      id: user.id,
      external_id: externalId,
      external_issuer: this.apiKeyIssuer,
      email: user.email,
      metadata: user.metadata,
      created_at: user.createdAt.toISOString(),
    };
  }

  private cached(issuer: string, subject: string): AuthUser | undefined {
    return this.known.get(`${issuer}\n${subject}`);
  }

  private remember(issuer: string, subject: string, user: AuthUser): AuthUser {
    if (this.cacheSize === 0) return user;
    const key = `${issuer}\n${subject}`;
    this.known.delete(key);
    this.known.set(key, user);
    if (this.known.size > this.cacheSize) this.known.delete(this.known.keys().next().value!);
    return user;
  }
}

function emailOf(claims: JWTPayload, claim: string): string | null {
  const value = claims[claim];
  return typeof value === 'string' &&
    value.length <= 320 &&
    value.isWellFormed() &&
    /^[^\s@]+@[^\s@]+$/.test(value)
    ? value
    : null;
}
