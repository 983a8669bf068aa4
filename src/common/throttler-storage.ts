import { Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Redis } from 'ioredis';
import { appConfig, AppConfig } from '../config/app.config';
import { AppError, ErrorCode } from './errors';

/** What ThrottlerStorage.increment resolves to (the interface's own record type is not exported by name). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Fixed-window counters, O(1) per request. The throttler's own in-memory storage keeps one timestamp per hit
 * and filters them on every request, which costs milliseconds once a busy key holds thousands of hits.
 */
interface Window {
  hits: number;
  expiresAt: number;
  blockedUntil: number;
}

const seconds = (ms: number): number => Math.max(0, Math.ceil(ms / 1000));

export class MemoryThrottlerStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(sweepIntervalMs = 60_000) {
    this.sweeper = setInterval(() => this.sweep(Date.now()), sweepIntervalMs);
    this.sweeper.unref();
  }

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    const id = `${throttlerName}:${key}`;
    let window = this.windows.get(id);
    if (!window || (window.expiresAt <= now && window.blockedUntil <= now)) {
      window = { hits: 0, expiresAt: now + ttl, blockedUntil: 0 };
      this.windows.set(id, window);
    }
    if (window.blockedUntil <= now) {
      window.hits += 1;
      if (window.hits > limit) window.blockedUntil = now + blockDuration;
    }
    const isBlocked = window.blockedUntil > now;
    return Promise.resolve({
      totalHits: window.hits,
      timeToExpire: seconds(window.expiresAt - now),
      isBlocked,
      timeToBlockExpire: isBlocked ? seconds(window.blockedUntil - now) : 0,
    });
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  private sweep(now: number): void {
    for (const [id, window] of this.windows) {
      if (window.expiresAt <= now && window.blockedUntil <= now) this.windows.delete(id);
    }
  }
}

/**
 * The same fixed window in Redis, atomic in one Lua script, so several instances share one budget per user or
 * IP. @nest-lab/throttler-storage-redis does this too but accepts NestJS 11 at most; this is the throttler's
 * documented extension point (ThrottlerStorage) on ioredis.
 */
const INCREMENT = `
local hits_key, block_key = KEYS[1], KEYS[2]
local ttl, limit, block = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local block_ttl = redis.call('PTTL', block_key)
if block_ttl > 0 then
  return { tonumber(redis.call('GET', hits_key) or limit + 1), redis.call('PTTL', hits_key), 1, block_ttl }
end
local hits = redis.call('INCR', hits_key)
if hits == 1 then redis.call('PEXPIRE', hits_key, ttl) end
local hits_ttl = redis.call('PTTL', hits_key)
if hits_ttl < 0 then redis.call('PEXPIRE', hits_key, ttl); hits_ttl = ttl end
if hits > limit then
  redis.call('SET', block_key, 1, 'PX', block)
  return { hits, hits_ttl, 1, block }
end
return { hits, hits_ttl, 0, 0 }
`;

type IncrementReply = [number, number, number, number];
type ScriptedRedis = Redis & {
  throttleIncrement(
    hits: string,
    block: string,
    ttl: number,
    limit: number,
    block_ms: number,
  ): Promise<IncrementReply>;
};

export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly redis: Redis) {
    redis.defineCommand('throttleIncrement', { numberOfKeys: 2, lua: INCREMENT });
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const id = `{${throttlerName}:${key}}`;
    let reply: IncrementReply;
    try {
      reply = await (this.redis as ScriptedRedis).throttleIncrement(
        `${id}:hits`,
        `${id}:blocked`,
        ttl,
        limit,
        blockDuration,
      );
    } catch {
      // Redis unreachable or hung: the limit cannot be counted, so the request is refused as an outage (503,
      // retry shortly), never let through uncounted and never a 500. The connection errors are logged once.
      throw new AppError(
        ErrorCode.ServiceUnavailable,
        'Rate limiting is unavailable; retry shortly.',
        undefined,
        {
          'Retry-After': '1',
        },
      );
    }
    const [hits, hitsTtl, blocked, blockTtl] = reply;
    return {
      totalHits: hits,
      timeToExpire: seconds(hitsTtl),
      isBlocked: blocked === 1,
      timeToBlockExpire: seconds(blockTtl),
    };
  }
}

/**
 * Where rate-limit counters live: Redis when REDIS_URL is set, so several instances share one budget per
 * user or IP (the spec's 5 checkouts a minute stays 5, not 5 × instances); otherwise this process's memory.
 */
@Injectable()
export class ThrottlerStorageProvider implements OnApplicationShutdown {
  private readonly logger = new Logger('RateLimits');
  readonly redis?: Redis;
  readonly storage: ThrottlerStorage;

  constructor(@Inject(appConfig.KEY) app: AppConfig) {
    if (app.throttle.redisUrl) {
      this.redis = new Redis(app.throttle.redisUrl, {
        keyPrefix: app.throttle.redisPrefix,
        maxRetriesPerRequest: 2,
        enableOfflineQueue: true,
        // A hung Redis fails a request within a second instead of holding it open.
        commandTimeout: 1000,
      });
      let lastReported = 0;
      this.redis.on('error', (err: Error) => {
        if (Date.now() - lastReported < 10_000) return; // one line per 10 s during an outage, not per retry
        lastReported = Date.now();
        this.logger.warn(
          { err: { message: err.message } },
          'Redis (rate limits) unreachable: requests get 503',
        );
      });
      this.storage = new RedisThrottlerStorage(this.redis);
    } else {
      this.storage = new MemoryThrottlerStorage();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.storage instanceof MemoryThrottlerStorage) this.storage.stop();
    if (!this.redis) return;
    // QUIT waits for a connection that may never come back: an unreachable Redis is just dropped.
    if (this.redis.status === 'ready') await this.redis.quit();
    else this.redis.disconnect();
  }
}

@Module({ providers: [ThrottlerStorageProvider], exports: [ThrottlerStorageProvider] })
export class ThrottlerStorageModule {}
