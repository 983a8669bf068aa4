import { ConfigType, registerAs } from '@nestjs/config';
import { bool, ConfigError, int, isProduction, str, url } from './env';

/**
 * Console sign-in through the host's identity provider (OIDC authorization code + PKCE, exchanged by Tollgate's
 * server): on when CONSOLE_OIDC_CLIENT_ID is set, which needs AUTH_ISSUER and CONSOLE_OIDC_REDIRECT_URL.
 */
function loadConsoleOidc(env: NodeJS.ProcessEnv) {
  const clientId = str(env, 'CONSOLE_OIDC_CLIENT_ID');
  const protocols = isProduction(env) ? ['https:'] : ['http:', 'https:'];
  const redirectUrl = url(env, 'CONSOLE_OIDC_REDIRECT_URL', undefined, protocols);
  const clientSecret = str(env, 'CONSOLE_OIDC_CLIENT_SECRET');
  if (clientId === undefined) {
    if (redirectUrl !== undefined || clientSecret !== undefined) {
      throw new ConfigError(
        'CONSOLE_OIDC_CLIENT_ID',
        'is required when CONSOLE_OIDC_REDIRECT_URL or _SECRET is set',
      );
    }
    return undefined;
  }
  if (str(env, 'AUTH_ISSUER') === undefined) {
    throw new ConfigError('AUTH_ISSUER', 'is required when CONSOLE_OIDC_CLIENT_ID is set');
  }
  if (redirectUrl === undefined) {
    throw new ConfigError('CONSOLE_OIDC_REDIRECT_URL', 'is required when CONSOLE_OIDC_CLIENT_ID is set');
  }
  if (new URL(redirectUrl).pathname !== '/console/auth/oidc/callback') {
    throw new ConfigError('CONSOLE_OIDC_REDIRECT_URL', 'must end with /console/auth/oidc/callback');
  }
  return {
    clientId,
    /** Unset: a public client (PKCE alone); set: sent with HTTP Basic authentication to the token endpoint. */
    clientSecret,
    redirectUrl,
    scope: str(env, 'CONSOLE_OIDC_SCOPE', 'openid email')!,
  };
}

export function loadConsoleConfig(env: NodeJS.ProcessEnv = process.env) {
  return {
    /** CONSOLE_ENABLED=false: /console is not served (the admin API under it stays, guarded by role). */
    enabled: bool(env, 'CONSOLE_ENABLED', true),
    /**
     * CONSOLE_SUPPORT_GRANT_LIMIT: the most promotional credits a `support` user may grant in one action
     * (admins have no such limit); 0 forbids support grants.
     */
    supportGrantLimit: int(env, 'CONSOLE_SUPPORT_GRANT_LIMIT', 1000, 0, 1_000_000),
    oidc: loadConsoleOidc(env),
  };
}

export const consoleConfig = registerAs('console', () => loadConsoleConfig());
export type ConsoleConfig = ConfigType<typeof consoleConfig>;
