import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { ConsumesCreditsInterceptor } from './consumes-credits.decorator';
import { AdminCreditsController, CreditsController } from './credits.controller';
import { ConsumeService } from './consume.service';
import { CreditsService } from './credits.service';
import { GrantsService } from './grants.service';
import { LedgerService } from './ledger/ledger.service';
import { CreditExpiryScheduler } from './credit-expiry.scheduler';
import { GrantBookService } from './grant-book.service';
import { AdminGrantsController, CreditGrantsController } from './grants.controller';
import { CreditHoldsController } from './holds.controller';
import { HoldsService } from './holds.service';
import { AdminMeterReportsController } from './meter-reports.controller';
import { METER_REPORT_GAUGES, MeterReportsMetricsSource } from './meter-reports.metrics';
import { MeterReportsService } from './meter-reports.service';

@Module({
  imports: [UsersModule],
  controllers: [
    CreditsController,
    AdminCreditsController,
    CreditGrantsController,
    AdminGrantsController,
    CreditHoldsController,
    AdminMeterReportsController,
  ],
  providers: [
    LedgerService,
    CreditsService,
    ConsumeService,
    GrantsService,
    GrantBookService,
    HoldsService,
    CreditExpiryScheduler,
    ConsumesCreditsInterceptor,
    MeterReportsService,
    MeterReportsMetricsSource,
    ...METER_REPORT_GAUGES,
  ],
  exports: [
    CreditsService,
    ConsumeService,
    GrantsService,
    GrantBookService,
    HoldsService,
    CreditExpiryScheduler,
    ConsumesCreditsInterceptor,
    MeterReportsService,
  ],
})
export class CreditsModule {}
