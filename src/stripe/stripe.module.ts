import { Global, Module } from '@nestjs/common';
import Stripe from 'stripe';
import { stripeConfig, StripeConfig } from '../config/stripe.config';
import { parseStripeApiUrl } from '../stripe-emulator/api-url';
import { StripeEmulatorHost } from './stripe-emulator.host';
import { StripeTaxCheck } from './stripe-tax.check';
import { STRIPE_CLIENT } from './stripe.constants';
import { TollgateMetrics } from '../metrics/metrics.service';

/** The only place `new Stripe` appears. */
@Global()
@Module({
  providers: [
    StripeEmulatorHost,
    StripeTaxCheck,
    {
      provide: STRIPE_CLIENT,
      inject: [stripeConfig.KEY, StripeEmulatorHost, TollgateMetrics],
      useFactory: async (
        config: StripeConfig,
        host: StripeEmulatorHost,
        metrics: TollgateMetrics,
      ): Promise<Stripe> => {
        const apiUrl = config.apiUrl ?? (await host.start());
        const target = apiUrl ? parseStripeApiUrl(apiUrl) : {};
        const stripe = new Stripe(config.secretKey, {
          ...target,
          maxNetworkRetries: 2,
          timeout: 20_000,
          appInfo: { name: 'Tollgate', url: 'https://github.com/tollgate' },
        });
        stripe.on('response', (e: Stripe.ResponseEvent) =>
          metrics.stripeResponse(e.method, e.path, e.status, e.elapsed),
        );
        return stripe;
      },
    },
  ],
  exports: [STRIPE_CLIENT, StripeEmulatorHost],
})
export class StripeModule {}
