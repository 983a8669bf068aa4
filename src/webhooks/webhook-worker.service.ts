import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { stripeConfig, StripeConfig } from '../config/stripe.config';
import { WebhookProcessor } from './webhook-processor.service';

/** Re-runs pending and failed events whose backoff has passed; safe to run on every instance. */
@Injectable()
export class WebhookWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('WebhookWorker');
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly processor: WebhookProcessor,
    @Inject(stripeConfig.KEY) private readonly config: StripeConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.config.webhooks.workerIntervalMs);
    this.timer.unref();
  }

  /** First step of shutdown: claim nothing new (the processor then drains what is in flight). */
  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    if (this.running) return;
    this.running = true;
    this.processor.track(
      this.processor
        .processDue(20)
        .catch((err: unknown) => this.logger.warn({ err }, 'worker tick failed; will retry'))
        .finally(() => {
          this.running = false;
        }),
    );
  }
}
