import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CreditsModule } from '../credits/credits.module';
import { BillingModule } from '../payments/billing.module';
import { PlansModule } from '../plans/plans.module';
import { AutoTopUpService } from './auto-top-up.service';
import { UsersModule } from '../users/users.module';
import {
  AdminSpendControlsController,
  AutoTopUpController,
  CreditsControlsController,
  DevSpendControlsController,
  UserSpendControlsController,
} from './spend-controls.controller';
import { SpendControlsListener } from './spend-controls.listener';
import { SpendControlsService } from './spend-controls.service';

/**
 * Spend controls: per-user low-balance thresholds (held in memory for the balance reactions), usage limits and
 * the overage cap, set by the host app's server (API key with controls:write) or an admin, read by the user.
 */
@Module({
  imports: [AuthModule, UsersModule, BillingModule, PlansModule, CreditsModule],
  controllers: [
    UserSpendControlsController,
    AdminSpendControlsController,
    CreditsControlsController,
    AutoTopUpController,
    DevSpendControlsController,
  ],
  providers: [SpendControlsService, SpendControlsListener, AutoTopUpService],
  exports: [SpendControlsService, AutoTopUpService],
})
export class SpendControlsModule {}
