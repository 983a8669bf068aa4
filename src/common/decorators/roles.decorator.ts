import { SetMetadata } from '@nestjs/common';

/** `support`: reads every admin view, grants promotional credits up to a limit, retries deliveries. */
export type Role = 'user' | 'admin' | 'support';
export const ROLES: readonly Role[] = ['user', 'admin', 'support'];
export const ROLES_KEY = 'roles';
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
