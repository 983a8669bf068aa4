import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mapStripeError } from '../errors/stripe-error.mapper';
import { AppError, ERROR_CATALOGUE, ErrorCode } from '../errors';
import { isDatabaseOutage, isUnstorableInput } from '../errors/database-outage';

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: ErrorCode.ValidationFailed,
  401: ErrorCode.AuthTokenInvalid,
  403: ErrorCode.Forbidden,
  404: ErrorCode.NotFound,
  409: ErrorCode.Conflict,
  413: ErrorCode.PayloadTooLarge,
  429: ErrorCode.RateLimited,
  503: ErrorCode.ServiceUnavailable,
};

/** Errors Fastify raises itself before a route runs (FST_ERR_CTP_BODY_TOO_LARGE, FST_ERR_CTP_INVALID_MEDIA_TYPE, …). */
interface FastifyError {
  code?: string;
  statusCode?: number;
}

/**
 * The throttler has set how long the caller's window still blocks, per tier (`Retry-After`, `Retry-After-auth`, …):
 * answer the standard header with the longest of them, in whole seconds (at least 1).
 */
function retryAfter(res: FastifyReply): string {
  let seconds = 0;
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (!name.toLowerCase().startsWith('retry-after')) continue;
    const n = Number(value);
    if (Number.isFinite(n)) seconds = Math.max(seconds, Math.ceil(n));
  }
  return String(Math.max(1, seconds));
}

/** The one error body (ErrorResponseDto). Also used for the few errors Fastify raises before Nest routes. */
export function errorBody(error: AppError, requestId: string) {
  return {
    statusCode: error.status,
    code: error.code,
    message: error.message,
    detail: error.message,
    request_id: requestId,
    ...(error.details ?? {}),
  };
}

/**
 * The one place an error becomes an HTTP answer: `{statusCode, code, message, detail, request_id}`.
 * Unknown errors are logged with their stack and answered 500 with a generic message — never the internals.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<FastifyRequest>();
    const res = ctx.getResponse<FastifyReply>();
    const error = this.toAppError(exception, res);
    const requestId = String(req.id ?? res.getHeader('X-Request-Id') ?? '');
    const path = (req.url ?? '').split('?')[0];

    if (error.status >= 500) {
      this.logger.error(
        { err: exception, request_id: requestId, path, code: error.code },
        `${req.method} ${path} failed`,
      );
    }
    if (res.sent) return;
    const health = this.healthBody(exception);
    if (health) {
      void res.status(503).send(health);
      return;
    }
    for (const [name, value] of Object.entries(error.headers ?? {})) void res.header(name, value);
    void res.status(error.status).send(errorBody(error, requestId));
  }

  /** Terminus/health 503 bodies (`{status, …checks}`) pass through unchanged: monitors read them. */
  private healthBody(exception: unknown): object | undefined {
    if (!(exception instanceof ServiceUnavailableException)) return undefined;
    const body = exception.getResponse();
    return typeof body === 'object' && body !== null && 'status' in body ? body : undefined;
  }

  private toAppError(exception: unknown, res: FastifyReply): AppError {
    if (exception instanceof AppError) return exception;
    if (exception instanceof ThrottlerException) {
      return new AppError(ErrorCode.RateLimited, undefined, undefined, { 'Retry-After': retryAfter(res) });
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const code =
        STATUS_CODES[status] ?? (status >= 500 ? ErrorCode.InternalError : ErrorCode.ValidationFailed);
      const message = status === 404 ? ERROR_CATALOGUE[code].message : exception.message;
      return new AppError(code, status >= 500 ? undefined : message);
    }
    const stripe = mapStripeError(exception);
    if (stripe) return stripe;
    const fastifyError = exception as FastifyError;
    if (fastifyError?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AppError(ErrorCode.PayloadTooLarge);
    if (fastifyError?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return new AppError(ErrorCode.UnsupportedMediaType);
    if (typeof fastifyError?.code === 'string' && fastifyError.code.startsWith('FST_ERR_CTP_')) {
      return new AppError(ErrorCode.ValidationFailed, 'The request body could not be read.');
    }
    if (isUnstorableInput(exception)) {
      return new AppError(
        ErrorCode.ValidationFailed,
        'The request contains a character that cannot be stored (NUL).',
      );
    }
    // Database unreachable, restarting, overloaded or timed out (incl. 40001/40P01/57014): retryable.
    if (isDatabaseOutage(exception)) {
      return new AppError(ErrorCode.ServiceUnavailable, undefined, undefined, { 'Retry-After': '1' });
    }
    return new AppError(ErrorCode.InternalError);
  }
}
