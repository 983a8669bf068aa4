import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export type TestAlg = 'RS256' | 'ES256' | 'EdDSA';

interface TestKey {
  kid: string;
  alg: TestAlg;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

/**
 * A loopback identity provider for the e2e suite: keys generated at test time, a JWKS endpoint that counts
 * its hits, OIDC discovery, and a signer. Nothing leaves 127.0.0.1.
 */
export class TestIdentityProvider {
  issuer = '';
  jwksHits = 0;
  /** While true the JWKS endpoint answers 503 (an IdP outage). */
  down = false;
  /** The console's OIDC client as this IdP knows it (authorization code + PKCE S256). */
  client = { id: 'tollgate-console', secret: 'console-secret-for-tests' as string | undefined };
  /** Whom /authorize signs in (no login page: it approves at once); `error` makes it refuse instead. */
  signInAs: { sub: string; email?: string; error?: string } = { sub: 'user_default' };
  /** While true /token answers 503 (the IdP down mid-sign-in). */
  tokenDown = false;
  /** The key that signs the access tokens /token answers. */
  tokenKid = '';
  /** What /token answered, in order (`issued` or the OAuth error), for the tests to read. */
  readonly tokenRequests: string[] = [];
  private readonly codes = new Map<
    string,
    { challenge: string; redirectUri: string; sub: string; email?: string }
  >();
  private readonly keys = new Map<string, TestKey>();
  private readonly published = new Set<string>();
  private server?: Server;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      if (req.url === '/.well-known/openid-configuration') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            issuer: this.issuer,
            jwks_uri: `${this.issuer}/jwks.json`,
            authorization_endpoint: `${this.issuer}/authorize`,
            token_endpoint: `${this.issuer}/token`,
            code_challenge_methods_supported: ['S256'],
          }),
        );
        return;
      }
      if (req.url?.startsWith('/authorize?')) return this.authorize(req, res);
      if (req.url === '/token' && req.method === 'POST') return void this.token(req, res);
      if (req.url === '/jwks.json') {
        this.jwksHits += 1;
        if (this.down) {
          res.statusCode = 503;
          res.end();
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [...this.published].map((kid) => this.keys.get(kid)!.jwk) }));
        return;
      }
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The authorization endpoint: checks the request, then redirects back with a code bound to the challenge. */
  private authorize(req: IncomingMessage, res: ServerResponse): void {
    const q = new URL(req.url!, this.issuer).searchParams;
    const redirectUri = q.get('redirect_uri') ?? '';
    if (
      q.get('response_type') !== 'code' ||
      q.get('client_id') !== this.client.id ||
      q.get('code_challenge_method') !== 'S256' ||
      !/^[A-Za-z0-9_-]{43}$/.test(q.get('code_challenge') ?? '') ||
      !q.get('state') ||
      !redirectUri
    ) {
      res.statusCode = 400;
      res.end('bad authorization request');
      return;
    }
    const back = new URL(redirectUri);
    back.searchParams.set('state', q.get('state')!);
    if (this.signInAs.error) {
      back.searchParams.set('error', this.signInAs.error);
    } else {
      const code = randomBytes(16).toString('base64url');
      this.codes.set(code, {
        challenge: q.get('code_challenge')!,
        redirectUri,
        sub: this.signInAs.sub,
        email: this.signInAs.email,
      });
      back.searchParams.set('code', code);
    }
    res.statusCode = 302;
    res.setHeader('location', back.href);
    res.end();
  }

  /** The token endpoint: the code once, the same redirect_uri, the client's secret, and the PKCE verifier. */
  private async token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    const form = new URLSearchParams(raw);
    const refuse = (error: string, status = 400) => {
      this.tokenRequests.push(error);
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ error }));
    };
    if (this.tokenDown) return refuse('temporarily_unavailable', 503);
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [id, secret] = basic
      ? Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent)
      : [form.get('client_id'), undefined];
    if (id !== this.client.id || secret !== this.client.secret) return refuse('invalid_client', 401);
    const code = form.get('code') ?? '';
    const grant = this.codes.get(code);
    this.codes.delete(code); // one use, whatever happens
    if (form.get('grant_type') !== 'authorization_code' || !grant) return refuse('invalid_grant');
    if (form.get('redirect_uri') !== grant.redirectUri) return refuse('invalid_grant');
    const verifier = form.get('code_verifier') ?? '';
    if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) {
      return refuse('invalid_grant');
    }
    const accessToken = await this.sign(this.tokenKid, {
      sub: grant.sub,
      ...(grant.email ? { email: grant.email } : {}),
    });
    this.tokenRequests.push('issued');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ access_token: accessToken, token_type: 'Bearer', expires_in: 3600 }));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Generates a key pair; published in the JWKS unless told otherwise (an unknown kid). */
  async addKey(kid: string, alg: TestAlg, publish = true): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
    this.keys.set(kid, { kid, alg, privateKey, publicKey, jwk });
    if (publish) this.published.add(kid);
  }

  unpublish(kid: string): void {
    this.published.delete(kid);
  }

  publicKeyPem(kid: string): Promise<string> {
    return exportSPKI(this.keys.get(kid)!.publicKey);
  }

  /** A token from this IdP; `claims` and `header` override the defaults (valid for an hour, aud tollgate-api). */
  async sign(
    kid: string,
    claims: Record<string, unknown> = {},
    opts: { expiresIn?: number; notBefore?: number; header?: Record<string, unknown> } = {},
  ): Promise<string> {
    const key = this.keys.get(kid)!;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: this.issuer,
      aud: 'tollgate-api',
      sub: 'user_default',
      iat: now,
      exp: now + (opts.expiresIn ?? 3600),
      ...(opts.notBefore !== undefined ? { nbf: now + opts.notBefore } : {}),
      ...claims,
    })
      .setProtectedHeader({ alg: key.alg, kid, typ: 'JWT', ...opts.header })
      .sign(key.privateKey);
  }
}
