import { randomBytes } from 'node:crypto';
import { UsersService } from '../../src/users/users.service';
import { TestIdentityProvider } from '../support/jwks-server';
import { createTestApp, freePort, TestApp } from '../support/test-app';

const sub = () => `idp_${randomBytes(6).toString('hex')}`;

interface Flow {
  /** The flow cookie's value (tollgate_console_oidc). */
  cookie: string;
  state: string;
  authorizeUrl: URL;
}

/** One cookie from a response's Set-Cookie headers: its value and its attributes, as written. */
function setCookie(
  headers: Record<string, unknown>,
  name: string,
): { value: string; attrs: string } | undefined {
  const all = ([] as string[]).concat((headers['set-cookie'] as string[] | string | undefined) ?? []);
  const line = all.find((c) => c.startsWith(`${name}=`));
  if (!line) return undefined;
  const [pair, ...attrs] = line.split(';');
  return { value: pair.slice(name.length + 1), attrs: attrs.map((a) => a.trim()).join('; ') };
}

/**
 * Console sign-in through the identity provider: authorization code + PKCE (S256) against a fake IdP on a
 * loopback port (discovery, authorize, a token endpoint that checks the verifier against the challenge, JWKS),
 * the code exchanged by Tollgate's server; wrong state, wrong verifier, a forged cookie, an IdP refusal and a
 * user who is not an operator are all turned away without a session.
 */
describe('console sign-in with the identity provider (e2e)', () => {
  const idp = new TestIdentityProvider();
  let t: TestApp;
  let redirectUrl: string;

  beforeAll(async () => {
    await idp.start();
    await idp.addKey('rsa-1', 'RS256');
    idp.tokenKid = 'rsa-1';
    const port = await freePort();
    redirectUrl = `http://127.0.0.1:${port}/console/auth/oidc/callback`;
    t = await createTestApp({
      port,
      env: {
        AUTH_ISSUER: idp.issuer,
        AUTH_AUDIENCE: 'tollgate-api',
        CONSOLE_OIDC_CLIENT_ID: idp.client.id,
        CONSOLE_OIDC_CLIENT_SECRET: idp.client.secret!,
        CONSOLE_OIDC_REDIRECT_URL: redirectUrl,
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await idp.stop();
  });

  const operator = async (role: 'admin' | 'support' | 'user', email?: string) => {
    const id = sub();
    if (role !== 'user') await t.app.get(UsersService).setExternalRole(idp.issuer, id, role);
    idp.signInAs = { sub: id, email };
    return id;
  };

  const start = async (): Promise<Flow> => {
    const res = await t.http().get('/console/auth/oidc/start').expect(302);
    const authorizeUrl = new URL(res.headers.location);
    const cookie = setCookie(res.headers, 'tollgate_console_oidc')!;
    expect(cookie).toBeDefined();
    expect(cookie.attrs).toBe('Path=/console/auth/oidc; Max-Age=600; HttpOnly; SameSite=Lax');
    // The state and the PKCE verifier are sealed, not readable: nothing of them in the clear.
    const state = authorizeUrl.searchParams.get('state')!;
    expect(cookie.value).not.toContain(state);
    return { cookie: cookie.value, state, authorizeUrl };
  };

  /** The browser's visit to the IdP, which signs `signInAs` in at once and sends it back with a code. */
  const authorize = async (flow: Flow): Promise<URL> => {
    const res = await fetch(flow.authorizeUrl, { redirect: 'manual' });
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  };

  const callback = (back: URL, cookie?: string) => {
    const req = t.http().get(`${back.pathname}${back.search}`);
    return (cookie ? req.set('Cookie', `tollgate_console_oidc=${cookie}`) : req).expect(302);
  };

  it('sends the browser to the IdP with a PKCE S256 challenge, a state, the client id and the redirect URL', async () => {
    const flow = await start();
    expect(`${flow.authorizeUrl.origin}${flow.authorizeUrl.pathname}`).toBe(`${idp.issuer}/authorize`);
    const q = Object.fromEntries(flow.authorizeUrl.searchParams);
    expect(q).toMatchObject({
      response_type: 'code',
      client_id: 'tollgate-console',
      redirect_uri: redirectUrl,
      code_challenge_method: 'S256',
    });
    expect(q.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.scope.split(' ')).toContain('openid');
    // Each start is a new flow.
    expect((await start()).state).not.toBe(flow.state);
  });

  it('opens a console session for a support user: code exchanged by the server, the token handed over once', async () => {
    const id = await operator('support', 'helper@example.com');
    const flow = await start();
    const back = await authorize(flow);
    expect(back.pathname).toBe('/console/auth/oidc/callback');
    const before = idp.tokenRequests.length;
    const res = await callback(back, flow.cookie);
    expect(res.headers.location).toBe('/console#/oidc');
    expect(idp.tokenRequests.slice(before)).toEqual(['issued']);
    // The flow cookie is spent; the session waits in a Strict, HttpOnly cookie for the page.
    expect(setCookie(res.headers, 'tollgate_console_oidc')?.attrs).toContain('Max-Age=0');
    const handoff = setCookie(res.headers, 'tollgate_console_session')!;
    expect(handoff.attrs).toBe('Path=/console/auth/oidc; Max-Age=60; HttpOnly; SameSite=Strict');

    const session = await t
      .http()
      .post('/console/auth/oidc/session')
      .set('Cookie', `tollgate_console_session=${handoff.value}`)
      .expect(200);
    expect(session.body).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(setCookie(session.headers, 'tollgate_console_session')?.attrs).toContain('Max-Age=0');
    const token = session.body.access_token as string;
    const me = (await t.http().get('/auth/me').set('Authorization', `Bearer ${token}`).expect(200)).body;
    expect(me).toMatchObject({ external_id: id, role: 'support', email: 'helper@example.com' });
    await t.http().get('/admin/users').query({ q: id }).set('Authorization', `Bearer ${token}`).expect(200);
    // No cookie, no session.
    expect((await t.http().post('/console/auth/oidc/session').expect(401)).body.code).toBe(
      'AUTH_TOKEN_MISSING',
    );
    expect(
      (
        await t
          .http()
          .post('/console/auth/oidc/session')
          .set('Cookie', 'tollgate_console_session=forged')
          .expect(401)
      ).body.code,
    ).toBe('AUTH_TOKEN_INVALID');
  });

  it('refuses a callback whose state does not match the flow cookie, before any exchange', async () => {
    await operator('admin');
    const flow = await start();
    const back = await authorize(flow);
    back.searchParams.set('state', 'forged-state-from-another-site');
    const before = idp.tokenRequests.length;
    const res = await callback(back, flow.cookie);
    expect(res.headers.location).toBe('/console#/oidc?error=AUTH_TOKEN_INVALID');
    expect(setCookie(res.headers, 'tollgate_console_session')).toBeUndefined();
    expect(idp.tokenRequests.length).toBe(before);
    // Nor without the flow cookie, nor with one that was altered.
    const again = await authorize(await start());
    expect((await callback(again)).headers.location).toBe('/console#/oidc?error=AUTH_TOKEN_INVALID');
    const other = await start();
    const tampered = `${other.cookie.slice(0, -2)}${other.cookie.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await callback(await authorize(other), tampered)).headers.location).toBe(
      '/console#/oidc?error=AUTH_TOKEN_INVALID',
    );
    expect(idp.tokenRequests.length).toBe(before);
  });

  it("refuses a code exchanged with another flow's verifier: the IdP checks it against the challenge", async () => {
    await operator('admin');
    const victim = await start();
    const attacker = await start();
    // The victim's code, injected into the attacker's flow (its state and cookie, hence its verifier).
    const code = (await authorize(victim)).searchParams.get('code')!;
    const injected = new URL(redirectUrl);
    injected.searchParams.set('code', code);
    injected.searchParams.set('state', attacker.state);
    const before = idp.tokenRequests.length;
    const res = await callback(injected, attacker.cookie);
    expect(res.headers.location).toBe('/console#/oidc?error=AUTH_TOKEN_INVALID');
    expect(idp.tokenRequests.slice(before)).toEqual(['invalid_grant']);
    expect(setCookie(res.headers, 'tollgate_console_session')).toBeUndefined();
  });

  it('refuses a user whose Tollgate role is neither admin nor support, and an IdP refusal', async () => {
    const id = await operator('user');
    const flow = await start();
    const res = await callback(await authorize(flow), flow.cookie);
    expect(res.headers.location).toBe('/console#/oidc?error=FORBIDDEN');
    expect(setCookie(res.headers, 'tollgate_console_session')).toBeUndefined();
    const [row] = await t.dataSource.query('SELECT role FROM users WHERE external_id = $1', [id]);
    expect(row.role).toBe('user');

    idp.signInAs = { sub: sub(), error: 'access_denied' };
    const denied = await start();
    expect((await callback(await authorize(denied), denied.cookie)).headers.location).toBe(
      '/console#/oidc?error=AUTH_TOKEN_INVALID',
    );
  });

  it('answers AUTH_PROVIDER_UNAVAILABLE when the token endpoint is down, and opens no session', async () => {
    await operator('admin');
    const flow = await start();
    const back = await authorize(flow);
    idp.tokenDown = true;
    try {
      const res = await callback(back, flow.cookie);
      expect(res.headers.location).toBe('/console#/oidc?error=AUTH_PROVIDER_UNAVAILABLE');
      expect(setCookie(res.headers, 'tollgate_console_session')).toBeUndefined();
    } finally {
      idp.tokenDown = false;
    }
  });

  it('offers the IdP sign-in on the console page', async () => {
    expect((await t.http().get('/console').expect(200)).text).toContain('<body data-oidc="on">');
  });
});
