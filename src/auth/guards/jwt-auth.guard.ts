import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY, RouteMetadata, type AuthUser } from '../../common/decorators';
import { AppError, ErrorCode } from '../../common/errors';
import { TokenService } from '../token.service';

const BEARER = /^Bearer\s+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*\.[A-Za-z0-9\-_]*)\s*$/i;

interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: AuthUser;
}

/**
 * Global: every route needs a valid bearer token unless marked @Public(). The token alone says who is
 * calling (a signature check, no database read); routes guarded by @Roles() re-read the role (RolesGuard).
 * A plain guard rather than Passport: one strategy, and none of Passport's per-request allocations.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly isPublic: RouteMetadata<boolean>;

  constructor(
    reflector: Reflector,
    private readonly tokens: TokenService,
  ) {
    this.isPublic = new RouteMetadata(reflector, IS_PUBLIC_KEY);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.isPublic.get(context)) return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.headers.authorization;
    if (!header) throw new AppError(ErrorCode.AuthTokenMissing);
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    if (!match) {
      throw new AppError(ErrorCode.AuthTokenInvalid, 'The Authorization header must be "Bearer <token>".');
    }
    req.user = this.tokens.authenticate(match[1]);
    return true;
  }
}
