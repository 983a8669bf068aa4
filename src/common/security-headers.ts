import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The headers helmet sets, worked out once at boot. With no CSP nonces they do not depend on the request,
 * and @fastify/helmet would rebuild helmet's twelve middlewares on every request (two async hooks and a
 * fresh configuration each time); here helmet decides the headers once and a hook copies them onto each
 * reply.
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name];
    },
  } as unknown as ServerResponse;
  let called = false;
  helmet(options)({ headers: {} } as IncomingMessage, res, () => {
    called = true;
  });
  if (!called) throw new Error('helmet did not finish synchronously; its headers cannot be precomputed');
  return headers;
}
