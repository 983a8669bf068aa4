import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY, RouteMetadata } from '../../common/decorators';
import { authConfig, AuthConfig } from '../../config/auth.config';
import {
  API_KEY,
  credentialKind,
  EXTERNAL_TOKEN,
  LOCAL_TOKEN,
  type AuthenticatedRequest,
  type CredentialKind,
} from '../strategies/credential';
import { ApiKeyGuard, ExternalTokenGuard, LocalTokenGuard } from './credential.guards';

/**
 * Global: every route needs a credential unless marked @Public(). The credential's shape picks the one
 * Passport strategy that may verify it (see credentialKind), through that strategy's AuthGuard:
 * Tollgate's own HS256 token (fast-jwt), the host IdP's token (jose, JWKS), or an API key (scoped).
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  private readonly isPublic: RouteMetadata<boolean>;
  private readonly guards: Record<CredentialKind, CanActivate>;
  private readonly enabled: { local: boolean; external: boolean };

  constructor(
    reflector: Reflector,
    local: LocalTokenGuard,
    external: ExternalTokenGuard,
    apiKey: ApiKeyGuard,
    @Inject(authConfig.KEY) auth: AuthConfig,
  ) {
    this.enabled = { local: auth.local, external: auth.external !== undefined };
    this.isPublic = new RouteMetadata(reflector, IS_PUBLIC_KEY);
    this.guards = { [LOCAL_TOKEN]: local, [EXTERNAL_TOKEN]: external, [API_KEY]: apiKey };
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (this.isPublic.get(context)) return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const kind = credentialKind(req, this.enabled);
    return this.guards[kind].canActivate(context) as Promise<boolean>;
  }
}
