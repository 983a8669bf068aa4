import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/decorators';
import { ApiErrors } from '../common/swagger';
import {
  MeterReportsOverviewDto,
  RetryMeterReportsDto,
  RetryMeterReportsResultDto,
} from './dto/meter-reports.dto';
import { MeterReportsService } from './meter-reports.service';

/** The operator's side of the meter report outbox: what is unsent or dead, and retrying dead reports. */
@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin', 'support')
@Controller('admin/meter-reports')
export class AdminMeterReportsController {
  constructor(private readonly reports: MeterReportsService) {}

  @Get()
  @ApiOperation({
    summary: 'Overage meter reports not sent to Stripe: counts, and the dead ones (admin, support)',
  })
  @ApiOkResponse({ type: MeterReportsOverviewDto })
  @ApiErrors(401, 403)
  async overview(): Promise<MeterReportsOverviewDto> {
    const [counts, dead] = await Promise.all([this.reports.overview(), this.reports.dead(100)]);
    return {
      ...counts,
      dead_reports: dead.map((r) => ({
        id: r.id,
        user_id: r.user_id,
        identifier: r.identifier,
        event_name: r.event_name,
        value: r.value,
        period_start: new Date(r.period_start).toISOString(),
        occurred_at: new Date(r.occurred_at).toISOString(),
        status: r.status,
        attempts: r.attempts,
        next_attempt_at: new Date(r.next_attempt_at).toISOString(),
        last_error: r.last_error,
      })),
    };
  }

  @Post('retry')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send dead meter reports again: all of them, or those of `ids` (admin, support)',
  })
  @ApiOkResponse({ type: RetryMeterReportsResultDto })
  @ApiErrors(400, 401, 403)
  async retry(@Body() dto: RetryMeterReportsDto): Promise<RetryMeterReportsResultDto> {
    return { retried: await this.reports.retryDead(dto.ids) };
  }
}
