import { loadAuthConfig } from '../config/auth.config';
import { loadConsoleConfig } from '../config/console.config';
import type { UsersService } from '../users/users.service';
import { ConsoleOidcService } from './console-oidc.service';
import type { IdentityService } from './identity.service';

const service = (redirect: string) => {
  const env = {
    AUTH_ISSUER: 'https://idp.example.com/',
    JWT_SECRET: 'f3a9c1e07b5d4c28a6e1f0b9d7c3a5e8b2d4f6a8c0e1b3d5',
    CONSOLE_OIDC_CLIENT_ID: 'tollgate-console',
    CONSOLE_OIDC_REDIRECT_URL: redirect,
  };
  return new ConsoleOidcService(
    loadConsoleConfig(env),
    loadAuthConfig(env),
    {} as IdentityService,
    {} as UsersService,
  );
};

describe('ConsoleOidcService cookies', () => {
  it('are HttpOnly, scoped to the sign-in routes, and Secure when the console is reached over https', () => {
    const https = service('https://billing.example.com/console/auth/oidc/callback');
    expect(https.enabled).toBe(true);
    expect(https.setCookie({ name: 'a', value: 'v', maxAge: 600, sameSite: 'Lax' })).toBe(
      'a=v; Path=/console/auth/oidc; Max-Age=600; HttpOnly; SameSite=Lax; Secure',
    );
    expect(https.clearCookie('b', 'Strict')).toBe(
      'b=; Path=/console/auth/oidc; Max-Age=0; HttpOnly; SameSite=Strict; Secure',
    );
    const http = service('http://localhost:3000/console/auth/oidc/callback');
    expect(http.setCookie({ name: 'a', value: 'v', maxAge: 60, sameSite: 'Strict' })).not.toContain('Secure');
  });

  it('refuses a session cookie it did not seal', async () => {
    const oidc = service('https://billing.example.com/console/auth/oidc/callback');
    await expect(oidc.session(undefined)).rejects.toMatchObject({ code: 'AUTH_TOKEN_MISSING' });
    await expect(oidc.session('eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..x.y.z')).rejects.toMatchObject({
      code: 'AUTH_TOKEN_INVALID',
    });
  });
});
