import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyStrategy } from '../../src/auth/strategies/api-key.strategy';
import {
  API_KEY,
  credentialKind,
  LOCAL_TOKEN,
  type AuthenticatedRequest,
} from '../../src/auth/strategies/credential';
import { ExternalTokenStrategy } from '../../src/auth/strategies/external-token.strategy';
import { LocalTokenStrategy } from '../../src/auth/strategies/local-token.strategy';
import {
  IS_PUBLIC_KEY,
  REQUIRED_SCOPE_KEY,
  RouteMetadata,
  type ScopeRule,
} from '../../src/common/decorators';
import { authConfig, AuthConfig } from '../../src/config/auth.config';

/**
 * The bench's baseline: the plain guard Tollgate had before Passport came back, calling the same
 * verification (the strategies' validate) directly: same shape selection, no Passport machinery, and the
 * local path synchronous. `npm run bench -- auth` swaps it in for AuthenticationGuard to measure what
 * Passport costs.
 */
@Injectable()
export class PlainAuthGuard implements CanActivate {
  private readonly isPublic: RouteMetadata<boolean>;
  private readonly requiredScope: RouteMetadata<ScopeRule>;
  private readonly enabled: { local: boolean; external: boolean };

  constructor(
    reflector: Reflector,
    private readonly local: LocalTokenStrategy,
    private readonly external: ExternalTokenStrategy,
    private readonly apiKey: ApiKeyStrategy,
    @Inject(authConfig.KEY) auth: AuthConfig,
  ) {
    this.isPublic = new RouteMetadata(reflector, IS_PUBLIC_KEY);
    this.requiredScope = new RouteMetadata(reflector, REQUIRED_SCOPE_KEY);
    this.enabled = { local: auth.local, external: auth.external !== undefined };
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.isPublic.get(context)) return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const kind = credentialKind(req, this.enabled);
    if (kind === LOCAL_TOKEN) {
      req.user = this.local.validate(req);
      return true;
    }
    if (kind === API_KEY) {
      return this.apiKey.validate(req, { rule: this.requiredScope.get(context) }).then((key) => {
        req.apiKey = key;
        return true;
      });
    }
    return this.external.validate(req).then((user) => {
      req.user = user;
      return true;
    });
  }
}
