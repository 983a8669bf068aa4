import type { Params } from 'nestjs-pino';
import pino, { type LogFn, type Logger, type LoggerOptions } from 'pino';
import type { AppConfig } from '../config/app.config';

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

/**
 * Where an app booted from now on writes its log lines instead of stdout. For the security suite, which reads
 * every line an app logged at debug to prove no secret is in any of them; production never sets it.
 */
export const logDestination: { override?: NodeJS.WritableStream } = {};

/**
 * The application logger (nestjs-pino's root pino instance): level and redaction. Request lines are not
 * nestjs-pino's middleware (it would put @fastify/middie and pino-http's per-request child loggers on the hot
 * path) but one compact line per request from a Fastify hook: see requestLogLine.
 */
export function pinoParams(app: AppConfig, pretty = prettyLogsWanted(app)): Params {
  const options: LoggerOptions = {
    level: app.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    hooks: { logMethod: demoteBootNoise },
  };
  if (logDestination.override) return { pinoHttp: [options, logDestination.override], forRoutes: [] };
  if (pretty) {
    // Development on a terminal: one short coloured line per event (pino-pretty, a dev dependency).
    return {
      pinoHttp: {
        ...options,
        transport: {
          target: 'pino-pretty',
          options: { singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' },
        },
      },
      forRoutes: [],
    };
  }
  return {
    // Buffered, asynchronous writes to stdout: under load one write per 4 KiB of lines instead of a syscall
    // per line (it was a tenth of a consume's CPU); a quiet server still shows each line within 100 ms. Pino
    // flushes the buffer when the process exits, so only a SIGKILL can lose the last lines.
    pinoHttp:
      app.logLevel === 'silent'
        ? options
        : [options, pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 100 })],
    forRoutes: [],
  };
}

/** Nest's boot chatter (one line per module and per route: ~60 lines) is debug, not info. */
const BOOT_NOISE = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestApplication',
]);

function demoteBootNoise(this: Logger, args: Parameters<LogFn>, method: LogFn, level: number): void {
  const first: unknown = args[0];
  const context = first && typeof first === 'object' ? (first as { context?: unknown }).context : undefined;
  if (level === 30 && typeof context === 'string' && BOOT_NOISE.has(context)) {
    if (this.isLevelEnabled('debug')) this.debug(...(args as [object, string]));
    return;
  }
  method.apply(this, args);
}

/** Pretty lines only for a person at a terminal, never in production, and only where pino-pretty is installed. */
export function prettyLogsWanted(app: AppConfig, tty = process.stdout.isTTY === true): boolean {
  if (app.production || app.logLevel === 'silent' || !tty) return false;
  try {
    require.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** Where a request line can carry a secret: only its headers (logged at debug). */
const REQUEST_REDACT_PATHS = REDACT_PATHS.filter(
  (path) => path.startsWith('req.') || path.startsWith('res.'),
);

/**
 * The logger for request lines: the application's, with redaction narrowed to the header paths. The
 * application's wildcard paths (`*.password`, …) cost a walk of every logged object, which is most of a
 * request line's cost, and a request line holds nothing they could match.
 */
export function requestLogger(root: Logger): Logger {
  return root.child({}, { redact: { paths: REQUEST_REDACT_PATHS, censor: '[redacted]' } });
}

interface LoggedRequest {
  id: string;
  method: string;
  url: string;
  headers: Record<string, unknown>;
}

/**
 * One line per request: `{req_id, method, url, status, ms}` at info (warn for 4xx, error for 5xx), plus the
 * request and response headers at debug (authorization, cookies and signatures redacted). Liveness and
 * readiness probes that succeed are not logged.
 */
export function requestLogLine(
  req: LoggedRequest,
  status: number,
  elapsedMs: number,
  responseHeaders: () => Record<string, unknown>,
  logger: Logger,
): void {
  if (status < 400 && req.url.startsWith('/health')) return;
  const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const line: Record<string, unknown> = {
    req_id: req.id,
    method: req.method,
    url: req.url,
    status,
    ms: Math.round(elapsedMs * 10) / 10,
  };
  if (logger.isLevelEnabled('debug')) {
    line.req = { headers: req.headers };
    line.res = { headers: responseHeaders() };
  }
  logger[level](line, 'request');
}
