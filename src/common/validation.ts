import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, ErrorCode } from './errors';

function flatten(errors: ValidationError[], parent = ''): Array<{ field: string; errors: string[] }> {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    // An absent field (optional ones are never validated) is one problem, not one per rule it would break.
    const messages = e.value === undefined ? [`${field} is required`] : Object.values(e.constraints ?? {});
    const own = e.constraints ? [{ field, errors: [...new Set(messages)] }] : [];
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
