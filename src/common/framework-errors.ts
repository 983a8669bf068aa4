import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from './errors';
import { errorBody } from './filters/all-exceptions.filter';

/**
 * Errors Fastify's router raises before any route (so before Nest's filter): a path parameter over
 * maxParamLength, a malformed URL. Answered 400 VALIDATION_FAILED in the one error shape, not Fastify's own.
 */
export function frameworkErrors(error: { code?: string }, req: FastifyRequest, reply: FastifyReply): void {
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'A path parameter is too long.'
      : 'The request URL is malformed.';
  void reply
    .code(400)
    .header('X-Request-Id', req.id)
    .send(errorBody(new AppError(ErrorCode.ValidationFailed, message), req.id));
}
