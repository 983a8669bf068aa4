import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleDestroy,
} from '@nestjs/common';
import { shutdownConfig, ShutdownConfig } from '../config/shutdown.config';

/**
 * Graceful shutdown, in Nest's order: onModuleDestroy (readiness turns 503 here, and the webhook worker stops
 * claiming), beforeApplicationShutdown (wait SHUTDOWN_DELAY_MS while still serving; the webhook processor
 * drains in-flight events), then the HTTP server closes after its in-flight requests, then the pools.
 * After a signal, a shutdown still running at SHUTDOWN_TIMEOUT_MS exits anyway.
 */
@Injectable()
export class ShutdownState implements OnModuleDestroy, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Shutdown');
  private drainingSince?: number;
  private deadline?: NodeJS.Timeout;

  constructor(@Inject(shutdownConfig.KEY) private readonly config: ShutdownConfig) {}

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  onModuleDestroy(): void {
    this.drainingSince ??= Date.now();
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    if (signal) {
      this.logger.log(`${signal}: draining (readiness 503, up to ${this.config.timeoutMs} ms)`);
      this.deadline = setTimeout(() => {
        process.stderr.write(`tollgate: shutdown took longer than SHUTDOWN_TIMEOUT_MS; exiting\n`);
        process.exit(1);
      }, this.config.timeoutMs).unref();
    }
    const left = this.config.delayMs - (Date.now() - (this.drainingSince ?? Date.now()));
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
  }

  onApplicationShutdown(): void {
    clearTimeout(this.deadline);
  }
}
