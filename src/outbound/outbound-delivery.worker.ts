import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { outboundConfig, OutboundConfig } from '../config/outbound.config';
import { OutboundDeliveryService } from './outbound-delivery.service';

/** Polls the outbox on every instance (SKIP LOCKED keeps them apart); stops claiming on shutdown. */
@Injectable()
export class OutboundDeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('OutboundWorker');
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly delivery: OutboundDeliveryService,
    @Inject(outboundConfig.KEY) private readonly config: OutboundConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.config.workerIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.delivery.stop();
  }

  private tick(): void {
    if (this.running) return;
    this.running = true;
    this.delivery
      .processDue()
      .catch((err: unknown) => this.logger.warn({ err }, 'outbound tick failed; will retry'))
      .finally(() => {
        this.running = false;
      });
  }
}
