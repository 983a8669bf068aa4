import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Ctx } from './ctx';
import { ApiError } from './errors';
import { parseForm } from './form-parser';
import { handleHosted } from './hosted';
import { newId } from './ids';
import type { Router } from './router';

interface CachedResponse {
  fingerprint: string;
  status: number;
  body: string;
}

const MAX_BODY = 1_000_000;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new ApiError(413, 'invalid_request_error', 'Request body too large.'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function apiKey(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization ?? '';
  if (auth.startsWith('Bearer ')) return auth.slice(7).trim();
  if (auth.startsWith('Basic ')) return Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')[0];
  return undefined;
}

/** HTTP front: `/v1/*` JSON API (auth, idempotency, Stripe errors) and the hosted HTML pages. */
export class EmulatorServer {
  private server?: Server;
  private readonly idempotency = new Map<string, CachedResponse>();

  constructor(
    private readonly ctx: Ctx,
    private readonly router: Router,
  ) {}

  listen(port: number, host: string): Promise<{ port: number; host: string }> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.ctx.log(`internal error: ${String(err)}`);
        if (!res.headersSent)
          this.sendJson(res, 500, new ApiError(500, 'api_error', 'Internal emulator error.').toBody());
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const addr = server.address();
        resolve({ port: typeof addr === 'object' && addr ? addr.port : port, host });
      });
    });
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    this.server = undefined;
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private sendJson(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2);
    res.writeHead(status, {
      'content-type': 'application/json',
      'stripe-version': '2026-10-28.endive',
      ...headers,
    });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = (req.method ?? 'GET').toUpperCase();
    const rawBody = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
    if (!url.pathname.startsWith('/v1/')) {
      if (handleHosted({ ctx: this.ctx, method, path: url.pathname, body: rawBody, req, res })) return;
      this.sendJson(
        res,
        url.pathname === '/' ? 200 : 404,
        url.pathname === '/'
          ? { emulator: 'stripe', livemode: false }
          : {
              error: {
                type: 'invalid_request_error',
                message: `Unrecognized request URL (${method}: ${url.pathname}).`,
              },
            },
      );
      return;
    }
    const requestId = newId('req');
    const headers = { 'request-id': requestId };
    const key = apiKey(req);
    if (!key) {
      const err = new ApiError(
        401,
        'invalid_request_error',
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      );
      this.sendJson(res, 401, err.toBody(), headers);
      return;
    }
    if (!key.startsWith('sk_test_') && !key.startsWith('rk_test_')) {
      const masked = `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;
      const err = new ApiError(401, 'invalid_request_error', `Invalid API Key provided: ${masked}`, {
        code: 'api_key_invalid',
      });
      this.sendJson(res, 401, err.toBody(), headers);
      return;
    }
    const idemKey = method === 'POST' ? (req.headers['idempotency-key'] as string | undefined) : undefined;
    const fingerprint = `${method} ${url.pathname} ${rawBody}`;
    const cacheKey = idemKey ? `${key}\u0000${idemKey}` : undefined;
    const cached = cacheKey ? this.idempotency.get(cacheKey) : undefined;
    if (cached) {
      if (cached.fingerprint !== fingerprint) {
        const err = new ApiError(
          400,
          'idempotency_error',
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
        );
        this.sendJson(res, 400, err.toBody(requestId), headers);
        return;
      }
      this.sendJson(res, cached.status, cached.body, {
        ...headers,
        'idempotent-replayed': 'true',
        'idempotency-key': idemKey!,
      });
      return;
    }
    const { status, body } = this.dispatch(method, url, rawBody, {
      id: requestId,
      idempotency_key: idemKey ?? null,
    });
    const text = JSON.stringify(body, null, 2);
    if (cacheKey && status < 500) this.idempotency.set(cacheKey, { fingerprint, status, body: text });
    if (method !== 'GET') this.ctx.store.save();
    this.sendJson(res, status, text, idemKey ? { ...headers, 'idempotency-key': idemKey } : headers);
  }

  private dispatch(
    method: string,
    url: URL,
    rawBody: string,
    request: { id: string; idempotency_key: string | null },
  ): { status: number; body: unknown } {
    try {
      const match = this.router.match(method, url.pathname);
      if (!match || match === 'method') {
        throw new ApiError(
          404,
          'invalid_request_error',
          `Unrecognized request URL (${method}: ${url.pathname}). The Stripe emulator does not support this endpoint.`,
        );
      }
      const body = parseForm(method === 'POST' ? rawBody : url.search.slice(1));
      const result = this.ctx.events.withRequest(request, () =>
        match.handler({ ctx: this.ctx, method, path: url.pathname, body, pathParams: match.pathParams }),
      );
      return { status: 200, body: result };
    } catch (err) {
      if (err instanceof ApiError) return { status: err.status, body: err.toBody(request.id) };
      this.ctx.log(`handler error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return {
        status: 500,
        body: new ApiError(500, 'api_error', 'Internal emulator error.').toBody(request.id),
      };
    }
  }
}
