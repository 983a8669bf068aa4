import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthUser, Role, ROLES_KEY, RouteMetadata } from '../../common/decorators';
import { AppError, ErrorCode } from '../../common/errors';
import { UsersService } from '../../users/users.service';

/**
 * Global: routes with @Roles('admin', …) only admit those roles. The role is read from the database, not from
 * the token, so a promotion (`npm run admin:create`) applies at once and a demotion cannot ride on a token
 * minted before it. Only role-guarded routes pay for that lookup. API keys are authorized by scope instead.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  private readonly roles: RouteMetadata<Role[]>;

  constructor(
    reflector: Reflector,
    private readonly users: UsersService,
  ) {
    this.roles = new RouteMetadata(reflector, ROLES_KEY);
  }

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const roles = this.roles.get(context);
    if (!roles?.length) return true; // most routes: no await, no database
    return this.hasRole(context, roles);
  }

  private async hasRole(context: ExecutionContext, roles: Role[]): Promise<boolean> {
    const req = context.switchToHttp().getRequest<{ user?: AuthUser; apiKey?: unknown }>();
    // An API key got here only through a route's @RequiresScope, checked by the auth guard: the scope is the
    // permission (admin routes have none, so no key reaches them).
    if (req.apiKey) return true;
    const caller = req.user;
    const current = caller ? await this.users.findById(caller.id) : null;
    if (!current || !roles.includes(current.role)) throw new AppError(ErrorCode.Forbidden);
    // What the route and the audit log see is the role now, not the token's (a copy: a cached identity is
    // never changed in place).
    req.user = { ...caller!, role: current.role };
    return true;
  }
}
