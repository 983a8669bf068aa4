import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';

/** What an API key may be allowed to do; a route without @RequiresScope is closed to API keys. */
export const API_KEY_SCOPES = [
  'credits:read',
  'credits:consume',
  'credits:grant',
  'checkout:create',
  'subscription:read',
  'subscription:write',
  'entitlements:read',
  'users:write',
  'endpoints:write',
  'controls:write',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ScopeRule {
  scope: ApiKeyScope;
  /** true: the key acts for the user named by X-Tollgate-User; false: the route acts on no one user. */
  actsForUser: boolean;
}

export const REQUIRED_SCOPE_KEY = 'requiredScope';

/** Opens a route to API keys holding `scope` (bearer tokens are unaffected). */
export const RequiresScope = (scope: ApiKeyScope, options: { actsForUser?: boolean } = {}) => {
  const rule: ScopeRule = { scope, actsForUser: options.actsForUser ?? true };
  return applyDecorators(
    SetMetadata(REQUIRED_SCOPE_KEY, rule),
    ...(rule.actsForUser
      ? [
          ApiHeader({
            name: 'X-Tollgate-User',
            required: false,
            description: `With an API key (scope ${scope}): the external id of the user to act for.`,
          }),
        ]
      : []),
  );
};
