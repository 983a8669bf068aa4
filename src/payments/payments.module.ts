import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CreditsModule } from '../credits/credits.module';
import { EntitlementsModule } from '../entitlements/entitlements.module';
import { PlansModule } from '../plans/plans.module';
import { UsersModule } from '../users/users.module';
import { BillingModule } from './billing.module';
import { CheckoutLeases } from './checkout-leases.service';
import { CheckoutService } from './checkout.service';
import { CheckoutSessionRecord } from './checkout-session.entity';
import { InvoicesService } from './invoices.service';
import { PaymentsController } from './payments.controller';
import { SubscriptionManagementService } from './subscription-management.service';
import { Subscription } from './subscription.entity';

/**
 * The caller's side of billing: checkout, their subscription (cancel, resume, change plan), invoices and the
 * billing portal. Stripe state → ours (subscription sync, checkout fulfilment, refunds and disputes) comes
 * from BillingModule, re-exported for importers.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([Subscription, CheckoutSessionRecord]),
    UsersModule,
    PlansModule,
    CreditsModule,
    EntitlementsModule,
    BillingModule,
  ],
  controllers: [PaymentsController],
  providers: [CheckoutService, CheckoutLeases, SubscriptionManagementService, InvoicesService],
  exports: [BillingModule, CheckoutService, SubscriptionManagementService, InvoicesService],
})
export class PaymentsModule {}
