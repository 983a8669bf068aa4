import { createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { AppError, ErrorCode } from '../common/errors';
import { authConfig, AuthConfig } from '../config/auth.config';
import { consoleConfig, ConsoleConfig } from '../config/console.config';
import { UsersService } from '../users/users.service';
import { IdentityService } from './identity.service';

/** The flow's state cookie (state, PKCE verifier), read back only by the callback. */
export const FLOW_COOKIE = 'tollgate_console_oidc';
/** The signed-in session's hand-off to the page, read once by POST /console/auth/oidc/session. */
export const SESSION_COOKIE = 'tollgate_console_session';
export const COOKIE_PATH = '/console/auth/oidc';
const FLOW_TTL_SECONDS = 600;
const HANDOFF_TTL_SECONDS = 60;
const OPERATOR_ROLES = new Set(['admin', 'support']);

type Oidc = NonNullable<ConsoleConfig['oidc']>;

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

export interface Cookie {
  name: string;
  value: string;
  maxAge: number;
  sameSite: 'Lax' | 'Strict';
}

export interface SessionHandoff {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
}

const b64url = (buf: Buffer) => buf.toString('base64url');
const sameText = (a: string, b: string) => {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
};

/**
 * The console's sign-in through the host's identity provider: OpenID Connect authorization code with PKCE
 * (S256), the code exchanged by this server, never by the page. The flow's state and PKCE verifier
 * travel in an encrypted (A256GCM, key derived from JWT_SECRET), HttpOnly, SameSite=Lax cookie that lives 10
 * minutes; the access token the IdP answers is verified like any bearer token from it (AUTH_ISSUER,
 * AUTH_AUDIENCE, its JWKS) and is the console's session, handed to the page once through a 60-second HttpOnly,
 * SameSite=Strict cookie that the page redeems for it (kept in memory, as the local sign-in's token).
 * Only users whose Tollgate role is admin or support get in.
 */
@Injectable()
export class ConsoleOidcService {
  private readonly logger = new Logger('ConsoleOidc');
  private readonly oidc?: Oidc;
  private readonly key: Uint8Array;
  private readonly issuer?: string;
  private readonly timeoutMs: number;
  private discovered?: Promise<Discovery>;

  constructor(
    @Inject(consoleConfig.KEY) console: ConsoleConfig,
    @Inject(authConfig.KEY) auth: AuthConfig,
    private readonly identities: IdentityService,
    private readonly users: UsersService,
  ) {
    this.oidc = console.enabled && auth.external ? console.oidc : undefined;
    this.issuer = auth.external?.issuer;
    this.timeoutMs = auth.external?.jwksTimeoutMs ?? 5000;
    this.key = new Uint8Array(hkdfSync('sha256', auth.jwtSecret, 'tollgate', 'console oidc cookies', 32));
  }

  get enabled(): boolean {
    return this.oidc !== undefined;
  }

  /** Whether cookies must be Secure: the console is reached over https (always so in production). */
  private get secure(): boolean {
    return this.oidc?.redirectUrl.startsWith('https:') ?? false;
  }

  private config(): Oidc {
    if (!this.oidc) throw new AppError(ErrorCode.NotFound);
    return this.oidc;
  }

  /** GET /console/auth/oidc/start: where to send the browser, and the flow cookie to set. */
  async start(): Promise<{ location: string; cookie: Cookie }> {
    const oidc = this.config();
    const { authorization_endpoint } = await this.discovery();
    const state = b64url(randomBytes(32));
    const verifier = b64url(randomBytes(32));
    const challenge = b64url(createHash('sha256').update(verifier).digest());
    const location = new URL(authorization_endpoint);
    location.search = new URLSearchParams({
      ...Object.fromEntries(location.searchParams),
      response_type: 'code',
      client_id: oidc.clientId,
      redirect_uri: oidc.redirectUrl,
      scope: oidc.scope,
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    }).toString();
    const value = await this.seal({ state, verifier }, FLOW_TTL_SECONDS);
    return {
      location: location.href,
      cookie: { name: FLOW_COOKIE, value, maxAge: FLOW_TTL_SECONDS, sameSite: 'Lax' },
    };
  }

  /**
   * GET /console/auth/oidc/callback: checks the state against the flow cookie, exchanges the code with the
   * verifier, verifies the access token, admits admin and support users only. Returns the hand-off cookie;
   * throws AppError (AUTH_TOKEN_INVALID, AUTH_PROVIDER_UNAVAILABLE, FORBIDDEN) otherwise.
   */
  async callback(query: Record<string, unknown>, flowCookie: string | undefined): Promise<Cookie> {
    const oidc = this.config();
    const flow = flowCookie ? await this.open(flowCookie) : undefined;
    if (!flow || typeof flow.state !== 'string' || typeof flow.verifier !== 'string') {
      throw new AppError(
        ErrorCode.AuthTokenInvalid,
        'The sign-in expired or was not started here: start again.',
      );
    }
    const state = typeof query.state === 'string' ? query.state : '';
    if (!sameText(state, flow.state)) {
      throw new AppError(ErrorCode.AuthTokenInvalid, 'The sign-in state does not match: start again.');
    }
    if (typeof query.error === 'string') {
      // The IdP refused (the user cancelled, or is not allowed this client): its code only, never its prose.
      const code = /^[a-z_]{1,64}$/.test(query.error) ? query.error : 'error';
      throw new AppError(ErrorCode.AuthTokenInvalid, `The identity provider refused the sign-in (${code}).`);
    }
    if (typeof query.code !== 'string' || query.code === '') {
      throw new AppError(ErrorCode.AuthTokenInvalid, 'The identity provider sent no code.');
    }
    const tokens = await this.exchange(oidc, query.code, flow.verifier);
    const caller = await this.identities.fromExternalToken(tokens.access_token);
    const user = await this.users.findById(caller.id);
    if (!user || !OPERATOR_ROLES.has(user.role)) {
      this.logger.warn({ userId: caller.id }, 'console sign-in refused: not an operator');
      throw new AppError(ErrorCode.Forbidden, 'This account is not an operator (admin or support).');
    }
    const handoff: SessionHandoff = {
      access_token: tokens.access_token,
      token_type: 'bearer',
      expires_in: tokens.expires_in,
    };
    const value = await this.seal({ ...handoff }, HANDOFF_TTL_SECONDS);
    return { name: SESSION_COOKIE, value, maxAge: HANDOFF_TTL_SECONDS, sameSite: 'Strict' };
  }

  /** POST /console/auth/oidc/session: the session the callback opened, once. */
  async session(handoffCookie: string | undefined): Promise<SessionHandoff> {
    this.config();
    if (!handoffCookie) throw new AppError(ErrorCode.AuthTokenMissing);
    const handoff = await this.open(handoffCookie);
    if (!handoff || typeof handoff.access_token !== 'string') throw new AppError(ErrorCode.AuthTokenInvalid);
    return {
      access_token: handoff.access_token,
      token_type: 'bearer',
      expires_in: typeof handoff.expires_in === 'number' ? handoff.expires_in : 0,
    };
  }

  /** Set-Cookie for a cookie, or for its removal (maxAge 0). */
  setCookie(cookie: Cookie): string {
    return [
      `${cookie.name}=${cookie.value}`,
      `Path=${COOKIE_PATH}`,
      `Max-Age=${cookie.maxAge}`,
      'HttpOnly',
      `SameSite=${cookie.sameSite}`,
      ...(this.secure ? ['Secure'] : []),
    ].join('; ');
  }

  clearCookie(name: string, sameSite: Cookie['sameSite']): string {
    return this.setCookie({ name, value: '', maxAge: 0, sameSite });
  }

  private async exchange(
    oidc: Oidc,
    code: string,
    verifier: string,
  ): Promise<{ access_token: string; expires_in: number }> {
    const { token_endpoint } = await this.discovery();
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: oidc.redirectUrl,
      code_verifier: verifier,
    });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    if (oidc.clientSecret !== undefined) {
      // RFC 6749 §2.3.1: client_secret_basic, each part form-encoded first.
      const basic = `${encodeURIComponent(oidc.clientId)}:${encodeURIComponent(oidc.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
    } else {
      body.set('client_id', oidc.clientId);
    }
    let res: Response;
    try {
      res = await fetch(token_endpoint, {
        method: 'POST',
        headers,
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      this.logger.warn({ message: (err as Error).message }, 'OIDC token endpoint unreachable');
      throw new AppError(ErrorCode.AuthProviderUnavailable);
    }
    const answer = (await res.json().catch(() => ({}))) as {
      access_token?: unknown;
      expires_in?: unknown;
      error?: unknown;
    };
    if (res.status >= 500) {
      this.logger.warn({ status: res.status }, 'OIDC token endpoint failed');
      throw new AppError(ErrorCode.AuthProviderUnavailable);
    }
    if (!res.ok || typeof answer.access_token !== 'string') {
      // Never logged: the code, the verifier, the secret or any token. The IdP's error code is enough.
      const error = typeof answer.error === 'string' ? answer.error.slice(0, 64) : `HTTP ${res.status}`;
      this.logger.warn({ error }, 'OIDC code exchange refused');
      throw new AppError(ErrorCode.AuthTokenInvalid, 'The identity provider refused the code exchange.');
    }
    return {
      access_token: answer.access_token,
      expires_in: typeof answer.expires_in === 'number' ? answer.expires_in : 0,
    };
  }

  /** The issuer's discovery document (OIDC Discovery §4.3: its issuer must be AUTH_ISSUER), kept once read. */
  private discovery(): Promise<Discovery> {
    this.discovered ??= this.discover();
    this.discovered.catch(() => (this.discovered = undefined));
    return this.discovered;
  }

  private async discover(): Promise<Discovery> {
    const issuer = this.issuer!;
    const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let doc: { issuer?: unknown; authorization_endpoint?: unknown; token_endpoint?: unknown };
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
      if (!res.ok) throw new Error(`discovery answered ${res.status}`);
      doc = (await res.json()) as typeof doc;
    } catch (err) {
      this.logger.warn({ url, message: (err as Error).message }, 'OIDC discovery failed');
      throw new AppError(ErrorCode.AuthProviderUnavailable);
    }
    if (
      doc.issuer !== issuer ||
      typeof doc.authorization_endpoint !== 'string' ||
      typeof doc.token_endpoint !== 'string'
    ) {
      this.logger.error({ url }, 'OIDC discovery document does not match AUTH_ISSUER or lacks its endpoints');
      throw new AppError(ErrorCode.AuthProviderUnavailable);
    }
    return { authorization_endpoint: doc.authorization_endpoint, token_endpoint: doc.token_endpoint };
  }

  private seal(payload: Record<string, unknown>, ttlSeconds: number): Promise<string> {
    return new EncryptJWT(payload)
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .encrypt(this.key);
  }

  /** The cookie's payload, or undefined when it was forged, altered or has expired. */
  private async open(value: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { payload } = await jwtDecrypt(value, this.key, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      return payload;
    } catch {
      return undefined;
    }
  }
}
