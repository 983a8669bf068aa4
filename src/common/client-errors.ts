import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { AppError, ErrorCode } from './errors';
import { errorBody } from './filters/all-exceptions.filter';

/** What a request that never reached a route is answered, by the Node HTTP parser's error code. */
function errorFor(code: string | undefined): AppError {
  if (code === 'HPE_HEADER_OVERFLOW') return new AppError(ErrorCode.HeadersTooLarge);
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new AppError(ErrorCode.RequestTimeout);
  return new AppError(ErrorCode.ValidationFailed, 'The request is not valid HTTP.');
}

/**
 * Fastify's clientErrorHandler: a request Node's HTTP parser refuses before any route (headers over the size
 * limit, a request that is not HTTP, a timeout) is answered in the one error body with a stable code, like every
 * other error, instead of Fastify's own `{error, message, statusCode}`. The connection is then closed: the parser
 * cannot find where the next request would start.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const error = errorFor(err.code);
    const id = randomUUID();
    const body = JSON.stringify(errorBody(error, id));
    socket.write(
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${id}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
