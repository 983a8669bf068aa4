import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { UsersModule } from '../users/users.module';
import {
  AdminSpendControlsController,
  CreditsControlsController,
  UserSpendControlsController,
} from './spend-controls.controller';
import { SpendControlsListener } from './spend-controls.listener';
import { SpendControlsService } from './spend-controls.service';

/**
 * Spend controls: per-user low-balance thresholds (held in memory for the balance reactions), usage limits and
 * the overage cap, set by the host app's server (API key with controls:write) or an admin, read by the user.
 */
@Module({
  imports: [AuthModule, UsersModule],
  controllers: [UserSpendControlsController, AdminSpendControlsController, CreditsControlsController],
  providers: [SpendControlsService, SpendControlsListener],
  exports: [SpendControlsService],
})
export class SpendControlsModule {}
