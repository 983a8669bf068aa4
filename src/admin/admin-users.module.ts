import { Module } from '@nestjs/common';
import { CreditsModule } from '../credits/credits.module';
import { OutboundModule } from '../outbound/outbound.module';
import { PaymentsModule } from '../payments/payments.module';
import { SpendControlsModule } from '../spend-controls/spend-controls.module';
import { UsersModule } from '../users/users.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { AdminStripeController } from './admin-stripe.controller';
import { AdminUsersController } from './admin-users.controller';
import { AdminCustomersController } from './admin-customers.controller';
import { AdminGrantsService } from './admin-grants.service';
import { AdminOverviewService } from './admin-overview.service';
import { AdminPaymentsService } from './admin-payments.service';
import { AdminUsersService } from './admin-users.service';

@Module({
  imports: [UsersModule, CreditsModule, PaymentsModule, WebhooksModule, OutboundModule, SpendControlsModule],
  controllers: [AdminUsersController, AdminStripeController, AdminCustomersController],
  providers: [AdminUsersService, AdminGrantsService, AdminPaymentsService, AdminOverviewService],
})
export class AdminUsersModule {}
