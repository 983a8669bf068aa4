import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { AppError, ErrorCode } from '../errors';

const KEY = /^[\w.:-]{1,255}$/;

/** The optional `Idempotency-Key` header, validated (1–255 of [A-Za-z0-9_.:-]). */
export const IdempotencyKey = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): string | undefined => {
    const value = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers[
      'idempotency-key'
    ];
    if (value === undefined || value === '') return undefined;
    if (!KEY.test(value)) {
      throw new AppError(
        ErrorCode.ValidationFailed,
        'Idempotency-Key must be 1-255 characters of letters, digits, _ . : -',
      );
    }
    return value;
  },
);
