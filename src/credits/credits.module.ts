import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { ConsumesCreditsInterceptor } from './consumes-credits.decorator';
import { AdminCreditsController, CreditsController } from './credits.controller';
import { ConsumeService } from './consume.service';
import { CreditsService } from './credits.service';
import { GrantsService } from './grants.service';
import { LedgerService } from './ledger/ledger.service';

@Module({
  imports: [UsersModule],
  controllers: [CreditsController, AdminCreditsController],
  providers: [LedgerService, CreditsService, ConsumeService, GrantsService, ConsumesCreditsInterceptor],
  exports: [CreditsService, ConsumeService, GrantsService, ConsumesCreditsInterceptor],
})
export class CreditsModule {}
