import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { stripeConfig, StripeConfig } from '../config/stripe.config';
import { StripeEmulator } from '../stripe-emulator';

/**
 * Runs the offline Stripe emulator in-process when no STRIPE_SECRET_KEY is configured (never in production:
 * the config refuses that combination, and the emulator itself refuses NODE_ENV=production).
 */
@Injectable()
export class StripeEmulatorHost implements OnApplicationShutdown {
  private readonly logger = new Logger('StripeEmulator');
  private emulator?: StripeEmulator;

  constructor(@Inject(stripeConfig.KEY) private readonly config: StripeConfig) {}

  get instance(): StripeEmulator | undefined {
    return this.emulator;
  }

  async start(): Promise<string | undefined> {
    if (!this.config.emulator || this.config.apiUrl) return undefined;
    if (this.config.emulatorStatePath) mkdirSync(dirname(this.config.emulatorStatePath), { recursive: true });
    this.emulator = new StripeEmulator({
      statePath: this.config.emulatorStatePath,
      logger: (msg) => this.logger.debug(msg),
    });
    return this.emulator.start(this.config.emulatorPort, '127.0.0.1');
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
