import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

/**
 * Route metadata for a global guard, read through the Reflector once per route and remembered: decorators
 * are fixed when the app boots, and the guards ask on every request.
 */
export class RouteMetadata<T> {
  private readonly cache = new WeakMap<object, { value: T | undefined }>();

  constructor(
    private readonly reflector: Reflector,
    private readonly key: string,
  ) {}

  get(context: ExecutionContext): T | undefined {
    const handler = context.getHandler();
    let hit = this.cache.get(handler);
    if (!hit) {
      hit = {
        value: this.reflector.getAllAndOverride<T | undefined>(this.key, [handler, context.getClass()]),
      };
      this.cache.set(handler, hit);
    }
    return hit.value;
  }
}
