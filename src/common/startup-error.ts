import { DatabaseNotMigratedError } from './db/migrations';
import { ConfigError } from '../config/env';

export interface StartupContext {
  /** `host:port` of DATABASE_URL, when a real PostgreSQL is configured. */
  database?: string;
  connectTimeoutMs?: number;
  /** STRIPE_API_URL when set (an emulator or stripe-mock), named when Stripe cannot be reached at startup. */
  stripeApiUrl?: string;
  /** METRICS_PORT, so a busy metrics port names its own variable. */
  metricsPort?: number;
}

interface ErrorLike {
  code?: string;
  message?: string;
  port?: number;
  address?: string;
  errors?: ErrorLike[];
  /** The Stripe SDK's error class name (`StripeConnectionError`), and the network error under it. */
  type?: string;
  detail?: ErrorLike;
}

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  ECONNRESET: 'connection reset',
};

/**
 * Turns whatever stopped startup into ONE line an operator can act on (which host:port, which variable, which
 * command); the stack stays out of the way (LOG_LEVEL=debug prints it in main.ts).
 */
export function describeStartupError(err: unknown, ctx: StartupContext = {}): string {
  if (err instanceof ConfigError) return err.message;
  const e = (err ?? {}) as ErrorLike;
  const code = e.code ?? e.errors?.find((x) => x.code)?.code;
  const message = e.message ?? String(err);
  const db = ctx.database ? `PostgreSQL at ${ctx.database}` : 'the database';

  if (e.type === 'StripeConnectionError') {
    const cause = e.detail?.code ? (UNREACHABLE[e.detail.code] ?? e.detail.code) : 'no answer';
    return ctx.stripeApiUrl
      ? `Cannot reach Stripe at ${ctx.stripeApiUrl} (STRIPE_API_URL): ${cause}. Start that server (Docker Compose: COMPOSE_PROFILES=emulator) or fix STRIPE_API_URL.`
      : `Cannot reach Stripe (api.stripe.com): ${cause}. Check the network, or set STRIPE_API_URL to an emulator.`;
  }
  if (code === 'EADDRINUSE') {
    const where = e.port !== undefined ? `${e.address ?? ''}:${e.port}` : message;
    const variable = e.port !== undefined && e.port === ctx.metricsPort ? 'METRICS_PORT' : 'PORT';
    return `Cannot listen on ${where}: the port is already in use (another Tollgate?). Stop it or set ${variable} to a free port.`;
  }
  if (err instanceof DatabaseNotMigratedError || code === '42P01') {
    const what =
      err instanceof DatabaseNotMigratedError ? err.message : `the database is not migrated (${message})`;
    const prefix = ctx.database ? `${db}: the database` : 'The database';
    return `${prefix}${what.replace(/^the database/, '').replace(/: run npm run migration:run$/, '')}: run npm run migration:run (or set DB_MIGRATE_ON_START=true).`;
  }
  if (code && UNREACHABLE[code] && ctx.database) {
    return `Cannot reach ${db} (DATABASE_URL): ${UNREACHABLE[code]}.`;
  }
  if (
    /timeout exceeded when trying to connect|connection timeout|Connection terminated unexpectedly/i.test(
      message,
    )
  ) {
    const after = ctx.connectTimeoutMs ? ` after ${ctx.connectTimeoutMs} ms (DB_CONNECT_TIMEOUT_MS)` : '';
    return `Cannot reach ${db} (DATABASE_URL): no answer${after}.`;
  }
  if (code === '28P01' || code === '28000') {
    return `${capitalise(db)} refused the credentials in DATABASE_URL: ${message}.`;
  }
  if (code === '3D000') return `${capitalise(db)}: ${message} (create it, or fix DATABASE_URL).`;
  return `Startup failed: ${message.split('\n')[0]}`;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
