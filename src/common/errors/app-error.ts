import { ERROR_CATALOGUE, ErrorCode } from './error-codes';

/** A domain error: a stable code; the HTTP status is decided once, at the edge, from the catalogue. */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message ?? ERROR_CATALOGUE[code].message);
    this.name = 'AppError';
    this.status = ERROR_CATALOGUE[code].status;
  }
}
