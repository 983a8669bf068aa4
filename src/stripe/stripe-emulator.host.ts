import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { stripeConfig, StripeConfig } from '../config/stripe.config';
import type { StripeEmulator } from '../stripe-emulator';

/**
 * Runs the offline Stripe emulator in-process when no STRIPE_SECRET_KEY is configured (never in production:
 * the config refuses that combination, and the emulator itself refuses NODE_ENV=production).
 */
@Injectable()
export class StripeEmulatorHost implements OnApplicationShutdown {
  private readonly logger = new Logger('StripeEmulator');
  private emulator?: StripeEmulator;
  /** The configured STRIPE_EMULATOR_PORT when it was taken and another port was used instead. */
  busyPort?: number;

  constructor(@Inject(stripeConfig.KEY) private readonly config: StripeConfig) {}

  get instance(): StripeEmulator | undefined {
    return this.emulator;
  }

  async start(): Promise<string | undefined> {
    if (!this.config.emulator || this.config.apiUrl) return undefined;
    if (this.config.emulatorStatePath) mkdirSync(dirname(this.config.emulatorStatePath), { recursive: true });
    // Loaded only when it runs: a process with a Stripe key (production) never loads the emulator's code.
    const { StripeEmulator } = await import('../stripe-emulator');
    this.emulator = new StripeEmulator({
      statePath: this.config.emulatorStatePath,
      logger: (msg) => this.logger.debug(msg),
    });
    const wanted = this.config.emulatorPort;
    try {
      return await this.emulator.start(wanted, '127.0.0.1');
    } catch (err) {
      if (wanted === 0 || (err as { code?: string }).code !== 'EADDRINUSE') throw err;
      // A second instance on one machine (or a standalone emulator) already holds the port: take any free one.
      const url = await this.emulator.start(0, '127.0.0.1');
      this.busyPort = wanted;
      this.logger.warn(`port ${wanted} is in use; the built-in Stripe emulator listens on ${url} instead`);
      return url;
    }
  }

  /** Called once the HTTP server listens: the emulator then delivers signed events to our webhook. */
  attachWebhook(appUrl: string): void {
    this.emulator?.addWebhookEndpoint({
      url: `${appUrl}/payments/webhook`,
      secret: this.config.webhookSecrets[0],
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.emulator?.stop();
  }
}
