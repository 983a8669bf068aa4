import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
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

const QUERY_CACHE_SIZE = 1000;
const QUERY_KEY_MAX = 512;

/**
 * ValidationPipe that remembers the query strings it accepted. A query DTO's validation is a pure function of
 * the DTO class and a handful of strings (query DTOs here use no async or database validators), and the same
 * few query strings arrive again and again (`?product_type=subscription`): class-transformer and
 * class-validator were a tenth of such a request. A hit returns a fresh copy of the validated DTO; anything
 * unusual (arrays, long or many values, bodies, params) goes through the full pipe every time. Bounded:
 * the cache of a DTO class is emptied when it reaches QUERY_CACHE_SIZE entries.
 */
export class AppValidationPipe extends ValidationPipe {
  private readonly accepted = new WeakMap<object, Map<string, object>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const key = metadata.type === 'query' && metadata.metatype ? queryKey(value) : undefined;
    if (key === undefined) return super.transform(value, metadata);
    let byQuery = this.accepted.get(metadata.metatype!);
    if (!byQuery) this.accepted.set(metadata.metatype!, (byQuery = new Map()));
    const hit = byQuery.get(key);
    if (hit) return Object.assign(Object.create(Object.getPrototypeOf(hit) as object) as object, hit);
    const validated: unknown = await super.transform(value, metadata);
    if (validated !== null && typeof validated === 'object') {
      if (byQuery.size >= QUERY_CACHE_SIZE) byQuery.clear();
      byQuery.set(
        key,
        Object.assign(Object.create(Object.getPrototypeOf(validated) as object) as object, validated),
      );
    }
    return validated;
  }
}

/** A canonical key for a flat query object of short strings; undefined for anything else. */
function queryKey(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 8) return undefined;
  for (const [, v] of entries) if (typeof v !== 'string') return undefined;
  const key = JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return key.length <= QUERY_KEY_MAX ? key : undefined;
}

/**
 * The one validation pipe: whitelist, reject unknown fields, transform; failures become 400 VALIDATION_FAILED
 * with every problem listed. Global in setupApp; also used where a body must be checked before a side effect.
 */
export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe({
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
