import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/app.config';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Paths pino blanks out wherever they appear: tokens, cookies, passwords, Stripe secrets and signatures. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.password_hash',
  '*.passwordHash',
  '*.access_token',
  '*.secretKey',
  '*.jwtSecret',
  '*.webhookSecrets',
  '*.client_secret',
  // API keys: the secret shown once at creation, and its stored hash.
  '*.secret',
  '*.keyHash',
  '*.key_hash',
  // A failed query's bound values (password hashes, webhook payloads) never reach the logs.
  '*.parameters',
  '*.driverError.parameters',
];

export function pinoParams(app: AppConfig): Params {
  return {
    pinoHttp: {
      level: app.logLevel,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // An incoming X-Request-Id is kept if sane; otherwise a fresh one. Echoed on every response.
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
      },
    },
  };
}
