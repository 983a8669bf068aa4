import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeysService, type ApiKeyCaller } from '../../api-keys/api-keys.service';
import {
  IS_PUBLIC_KEY,
  REQUIRED_SCOPE_KEY,
  RouteMetadata,
  type AuthUser,
  type ScopeRule,
} from '../../common/decorators';
import { AppError, ErrorCode } from '../../common/errors';
import { authConfig, AuthConfig, EXTERNAL_ALGORITHMS } from '../../config/auth.config';
import { IdentityService } from '../identity.service';
import { TokenService } from '../token.service';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const JWT = /^[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*$/;

export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: AuthUser;
  /** Set when the caller authenticated with an API key (then `user` is whom it acts for, if anyone). */
  apiKey?: ApiKeyCaller;
}

/** The token header's `alg`, read without trusting it: it only picks which verifier may try. */
function headerAlg(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString()) as {
      alg?: unknown;
    };
    return typeof header.alg === 'string' ? header.alg : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Global: every route needs a credential unless marked @Public(). Three kinds, told apart before any
 * verification and never crossing over:
 * - `tg_…`: an API key, allowed only on routes with @RequiresScope and only with that scope;
 * - a JWT with `alg: HS256`: Tollgate's own token (AUTH_LOCAL), verified with JWT_SECRET only, no DB read;
 * - a JWT with RS256/ES256/EdDSA: the host IdP's token, verified against its JWKS only (AUTH_ISSUER).
 * So the local secret never verifies an external token, nor a public key a local one (no alg confusion).
 * The local path stays synchronous: no promise per request for the common case.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly external = new Set<string>(EXTERNAL_ALGORITHMS);
  private readonly isPublic: RouteMetadata<boolean>;
  private readonly requiredScope: RouteMetadata<ScopeRule>;

  constructor(
    reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly identities: IdentityService,
    private readonly apiKeys: ApiKeysService,
    @Inject(authConfig.KEY) private readonly auth: AuthConfig,
  ) {
    this.isPublic = new RouteMetadata(reflector, IS_PUBLIC_KEY);
    this.requiredScope = new RouteMetadata(reflector, REQUIRED_SCOPE_KEY);
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.isPublic.get(context)) return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.headers.authorization;
    if (!header) throw new AppError(ErrorCode.AuthTokenMissing);
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (token?.startsWith('tg_')) return this.withApiKey(context, req, token);
    if (!token || !JWT.test(token)) {
      throw new AppError(ErrorCode.AuthTokenInvalid, 'The Authorization header must be "Bearer <token>".');
    }
    const alg = headerAlg(token);
    if (alg === 'HS256' && this.auth.local) {
      req.user = this.tokens.authenticate(token);
      return true;
    }
    if (alg !== undefined && this.external.has(alg) && this.auth.external) {
      return this.identities.fromExternalToken(token).then((user) => {
        req.user = user;
        return true;
      });
    }
    throw new AppError(ErrorCode.AuthTokenInvalid);
  }

  private async withApiKey(context: ExecutionContext, req: AuthenticatedRequest, secret: string) {
    const key = await this.apiKeys.authenticate(secret);
    const rule = this.requiredScope.get(context);
    if (!rule) throw new AppError(ErrorCode.ApiKeyScopeMissing, 'API keys cannot call this route.');
    if (!key.scopes.includes(rule.scope)) {
      throw new AppError(ErrorCode.ApiKeyScopeMissing, `This API key lacks the ${rule.scope} scope.`);
    }
    req.apiKey = key;
    if (rule.actsForUser) {
      const externalId = req.headers['x-tollgate-user'];
      if (typeof externalId !== 'string' || externalId === '')
        throw new AppError(ErrorCode.ApiKeyUserRequired);
      req.user = await this.identities.forApiKey(externalId);
    }
    return true;
  }
}
