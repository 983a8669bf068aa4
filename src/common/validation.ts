import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, ErrorCode } from './errors';

function flatten(errors: ValidationError[], parent = ''): Array<{ field: string; errors: string[] }> {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, errors: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * The one validation pipe: whitelist, reject unknown fields, transform; failures become 400 VALIDATION_FAILED
 * with every problem listed. Global in setupApp; also used where a body must be checked before a side effect.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const list = flatten(errors);
      return new AppError(ErrorCode.ValidationFailed, list.flatMap((e) => e.errors).join('; '), {
        errors: list,
      });
    },
  });
}
