import { Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';
import { appConfig, AppConfig } from '../config/app.config';

/**
 * Where rate-limit counters live: Redis when REDIS_URL is set, so several instances share one budget per
 * user or IP (the spec's 5 checkouts a minute stays 5, not 5 × instances); otherwise the throttler's memory.
 */
@Injectable()
export class ThrottlerStorageProvider implements OnApplicationShutdown {
  readonly redis?: Redis;
  readonly storage?: ThrottlerStorage;

  constructor(@Inject(appConfig.KEY) app: AppConfig) {
    if (app.throttle.redisUrl) {
      this.redis = new Redis(app.throttle.redisUrl, {
        keyPrefix: app.throttle.redisPrefix,
        maxRetriesPerRequest: 2,
        enableOfflineQueue: true,
      });
      this.storage = new ThrottlerStorageRedisService(this.redis);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit();
  }
}

@Module({ providers: [ThrottlerStorageProvider], exports: [ThrottlerStorageProvider] })
export class ThrottlerStorageModule {}
