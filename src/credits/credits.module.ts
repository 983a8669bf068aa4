import { Module } from '@nestjs/common';
import { OutboundModule } from '../outbound/outbound.module';
import { UsersModule } from '../users/users.module';
import { ConsumesCreditsInterceptor } from './consumes-credits.decorator';
import { AdminCreditsController, CreditsController } from './credits.controller';
import { CreditsService } from './credits.service';

@Module({
  imports: [UsersModule, OutboundModule],
  controllers: [CreditsController, AdminCreditsController],
  providers: [CreditsService, ConsumesCreditsInterceptor],
  exports: [CreditsService, ConsumesCreditsInterceptor],
})
export class CreditsModule {}
