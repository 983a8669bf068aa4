import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { ThrottlerGenerateKeyFunction, ThrottlerGetTrackerFunction } from '@nestjs/throttler';
import {
  THROTTLER_BLOCK_DURATION,
  THROTTLER_KEY_GENERATOR,
  THROTTLER_LIMIT,
  THROTTLER_SKIP,
  THROTTLER_TRACKER,
  THROTTLER_TTL,
} from '@nestjs/throttler/dist/throttler.constants';

/** What ThrottlerGuard works out from metadata for one named throttler on one route: fixed per route. */
interface RoutePlan {
  throttler: ThrottledOptions;
  limit: number;
  ttl: number;
  blockDuration: number;
  getTracker: ThrottlerGetTrackerFunction;
  generateKey: ThrottlerGenerateKeyFunction;
}
type ThrottledOptions = ThrottlerGuard['throttlers'][number];
type Resolvable = number | ((ctx: ExecutionContext) => number | Promise<number>) | undefined;

/**
 * ThrottlerGuard with its per-route work done once. The stock guard reads six metadata keys per throttler
 * through the Reflector on every request; they are fixed per route, as are the limits: Tollgate's limit
 * function depends only on the route's @ThrottleTier and on whether the caller is an API key (its own tier),
 * so a plan is computed on the first such request to a route and reused. Counting, headers and the 429 are
 * the stock guard's own (handleRequest).
 */
@Injectable()
export class CachedThrottlerGuard extends ThrottlerGuard {
  private readonly plans = new WeakMap<object, Map<string, RoutePlan[]>>();

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const handler = context.getHandler();
    const variant = context.switchToHttp().getRequest<{ apiKey?: unknown }>().apiKey ? 'api-key' : 'default';
    let plans = this.plans.get(handler);
    if (!plans) this.plans.set(handler, (plans = new Map()));
    let plan = plans.get(variant);
    if (!plan) {
      plan = await this.planFor(context);
      plans.set(variant, plan);
    }
    for (const step of plan) {
      // handleRequest throws ThrottlerException when the limit is exceeded.
      await this.handleRequest({ context, ...step });
    }
    return true;
  }

  private async planFor(context: ExecutionContext): Promise<RoutePlan[]> {
    const targets = [context.getHandler(), context.getClass()];
    const meta = <T>(key: string, name: string): T | undefined =>
      this.reflector.getAllAndOverride<T>(key + name, targets);
    const resolve = async (value: Resolvable, name: string): Promise<number> => {
      const n = typeof value === 'function' ? await value(context) : value;
      if (typeof n !== 'number' || !Number.isFinite(n))
        throw new Error(`throttler ${name}: limit/ttl must be numbers`);
      return n;
    };
    const plan: RoutePlan[] = [];
    for (const throttler of this.throttlers) {
      const name = throttler.name ?? 'default';
      const skipIf = throttler.skipIf ?? this.commonOptions.skipIf;
      if (skipIf)
        throw new Error('CachedThrottlerGuard does not support skipIf (it is evaluated per request)');
      if (meta<boolean>(THROTTLER_SKIP, name)) continue;
      const ttl = await resolve(meta<Resolvable>(THROTTLER_TTL, name) ?? throttler.ttl, name);
      plan.push({
        throttler,
        limit: await resolve(meta<Resolvable>(THROTTLER_LIMIT, name) ?? throttler.limit, name),
        ttl,
        blockDuration: await resolve(
          meta<Resolvable>(THROTTLER_BLOCK_DURATION, name) ?? throttler.blockDuration ?? ttl,
          name,
        ),
        getTracker: meta(THROTTLER_TRACKER, name) ?? throttler.getTracker ?? this.commonOptions.getTracker!,
        generateKey:
          meta(THROTTLER_KEY_GENERATOR, name) ?? throttler.generateKey ?? this.commonOptions.generateKey!,
      });
    }
    return plan;
  }
}
