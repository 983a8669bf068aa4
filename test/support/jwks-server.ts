import { createServer, type Server } from 'node:http';
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
  private readonly keys = new Map<string, TestKey>();
  private readonly published = new Set<string>();
  private server?: Server;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      if (req.url === '/.well-known/openid-configuration') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ issuer: this.issuer, jwks_uri: `${this.issuer}/jwks.json` }));
        return;
      }
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
