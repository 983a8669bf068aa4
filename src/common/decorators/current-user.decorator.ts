import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Role } from './roles.decorator';

/** What a verified bearer token (or an API key acting for a user) tells us about the caller. */
export interface AuthUser {
  id: string;
  /** Local accounts always have one; a user of the host's identity provider may not. */
  email: string | null;
  role: Role;
  /** The host's id for an external user (token subject or X-Tollgate-User); absent for local accounts. */
  externalId?: string;
}

export const CurrentUser = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AuthUser =>
    ctx.switchToHttp().getRequest<{ user: AuthUser }>().user,
);
