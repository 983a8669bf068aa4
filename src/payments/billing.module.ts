import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CreditsModule } from '../credits/credits.module';
import { PlansModule } from '../plans/plans.module';
import { BillingService } from './billing.service';
import { CheckoutSessionRecord } from './checkout-session.entity';
import { LoggingNotifier, NOTIFIER } from './notifier';
import { Subscription } from './subscription.entity';

/** Stripe state → Tollgate state: shared by the webhook handlers and the payments routes. */
@Module({
  imports: [TypeOrmModule.forFeature([Subscription, CheckoutSessionRecord]), PlansModule, CreditsModule],
  providers: [BillingService, LoggingNotifier, { provide: NOTIFIER, useExisting: LoggingNotifier }],
  exports: [BillingService, NOTIFIER, LoggingNotifier],
})
export class BillingModule {}
