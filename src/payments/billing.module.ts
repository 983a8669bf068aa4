import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CreditsModule } from '../credits/credits.module';
import { PlansModule } from '../plans/plans.module';
import { UsersModule } from '../users/users.module';
import { BillingDetails } from './billing-details.entity';
import { BillingDetailsService } from './billing-details.service';
import { CheckoutCurrencyService } from './checkout-currency.service';
import { CheckoutFulfilmentService } from './checkout-fulfilment.service';
import { CustomerService } from './customer.service';
import { CheckoutSessionRecord } from './checkout-session.entity';
import { LoggingNotifier, NOTIFIER } from './notifier';
import { MeterReportScheduler } from './meter-report.scheduler';
import { MeterReporter } from './meter-reporter.service';
import { PaymentMethodService } from './payment-method.service';
import { RefundsDisputesService } from './refunds-disputes.service';
import { SubscriptionPeriodsService } from './subscription-periods.service';
import { SubscriptionReconciler } from './subscription-reconciler.service';
import { SubscriptionSyncService } from './subscription-sync.service';
import { Subscription } from './subscription.entity';

const BILLING = [
  CustomerService,
  BillingDetailsService,
  SubscriptionSyncService,
  SubscriptionPeriodsService,
  CheckoutFulfilmentService,
  RefundsDisputesService,
  SubscriptionReconciler,
  PaymentMethodService,
  CheckoutCurrencyService,
  MeterReporter,
];

/**
 * Stripe state → Tollgate state, by what it does: the customer and its billing details, the subscription
 * mirror, paid periods, checkout fulfilment, refunds and disputes, and reconciliation. Shared by the webhook handlers and the payments routes.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([Subscription, CheckoutSessionRecord, BillingDetails]),
    UsersModule,
    PlansModule,
    CreditsModule,
  ],
  providers: [
    ...BILLING,
    MeterReportScheduler,
    LoggingNotifier,
    { provide: NOTIFIER, useExisting: LoggingNotifier },
  ],
  exports: [...BILLING, NOTIFIER, LoggingNotifier],
})
export class BillingModule {}
