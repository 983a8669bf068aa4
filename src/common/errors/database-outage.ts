import {
  CannotExecuteNotConnectedError,
  CannotGetEntityManagerNotConnectedError,
  ConnectionIsNotSetError,
  QueryFailedError,
} from 'typeorm';

/** Socket-level failures reaching PostgreSQL (Node's error codes on the driver's socket). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
]);

/**
 * SQLSTATEs that mean "the database is not there right now", not "this request is wrong": class 08
 * (connection exception), 57P01–57P03 (admin/crash shutdown, cannot connect now), 53300 (too many
 * connections), 57014 (statement timeout / cancelled), 40001/40P01 (serialization failure, deadlock).
 */
const TRANSIENT_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[1-3]|53300|57014|40001|40P01)$/;

/** Messages pg, pg-pool and TypeORM raise without a code (pool acquisition timeout, a socket closed mid-query). */
const OUTAGE_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end on the pool',
  'Query read timeout',
  'Driver not Connected', // TypeORM, once the DataSource lost (or closed) its pool
];

/**
 * True when an error means the database is unreachable, overloaded or restarting: the request is not at
 * fault and a retry can succeed, so the edge answers 503 SERVICE_UNAVAILABLE with Retry-After.
 */
export function isDatabaseOutage(err: unknown): boolean {
  if (
    err instanceof ConnectionIsNotSetError ||
    err instanceof CannotExecuteNotConnectedError ||
    err instanceof CannotGetEntityManagerNotConnectedError
  ) {
    return true;
  }
  const candidates = err instanceof QueryFailedError ? [err.driverError, err] : [err];
  return candidates.some((candidate) => {
    if (typeof candidate !== 'object' || candidate === null) return false;
    const { code, message } = candidate as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || TRANSIENT_SQLSTATE.test(code))) return true;
    if (candidate instanceof AggregateError) return candidate.errors.some(isDatabaseOutage);
    return typeof message === 'string' && OUTAGE_MESSAGES.some((m) => message.includes(m));
  });
}

/**
 * SQLSTATEs raised by the data a request carried, not by the database's health: a NUL (\u0000) in a text
 * parameter (22021) or in jsonb (22P05). The client's fault: 400, never 500.
 */
export function isUnstorableInput(err: unknown): boolean {
  const code = (err instanceof QueryFailedError ? (err.driverError as { code?: unknown }) : undefined)?.code;
  return code === '22021' || code === '22P05';
}
