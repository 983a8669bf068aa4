import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Logger,
  ServiceUnavailableException,
} from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { mapStripeError } from '../../stripe/stripe-error.mapper';
import { AppError, ERROR_CATALOGUE, ErrorCode } from '../errors';

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

interface BodyParserError {
  type?: string;
  status?: number;
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
    const req = ctx.getRequest<Request & { id?: string }>();
    const res = ctx.getResponse<Response>();
    const error = this.toAppError(exception);
    const requestId = String(req.id ?? res.getHeader('X-Request-Id') ?? '');

    if (error.status >= 500) {
      this.logger.error(
        { err: exception, request_id: requestId, path: req.path, code: error.code },
        `${req.method} ${req.path} failed`,
      );
    }
    if (res.headersSent) return;
    const health = this.healthBody(exception);
    if (health) {
      res.status(503).json(health);
      return;
    }
    for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
    res.status(error.status).json({
      statusCode: error.status,
      code: error.code,
      message: error.message,
      detail: error.message,
      request_id: requestId,
      ...(error.details ?? {}),
    });
  }

  /** Terminus/health 503 bodies (`{status, …checks}`) pass through unchanged: monitors read them. */
  private healthBody(exception: unknown): object | undefined {
    if (!(exception instanceof ServiceUnavailableException)) return undefined;
    const body = exception.getResponse();
    return typeof body === 'object' && body !== null && 'status' in body ? body : undefined;
  }

  private toAppError(exception: unknown): AppError {
    if (exception instanceof AppError) return exception;
    if (exception instanceof ThrottlerException) {
      return new AppError(ErrorCode.RateLimited, undefined, undefined, { 'Retry-After': '60' });
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
    const bodyError = exception as BodyParserError;
    if (bodyError?.type === 'entity.too.large') return new AppError(ErrorCode.PayloadTooLarge);
    if (bodyError?.type === 'entity.parse.failed') {
      return new AppError(ErrorCode.ValidationFailed, 'The request body is not valid JSON.');
    }
    if (exception instanceof QueryFailedError) {
      const pg = exception.driverError as { code?: string; constraint?: string };
      if (pg?.code === '40001' || pg?.code === '40P01' || pg?.code === '57014') {
        return new AppError(ErrorCode.ServiceUnavailable, undefined, undefined, { 'Retry-After': '1' });
      }
    }
    return new AppError(ErrorCode.InternalError);
  }
}
