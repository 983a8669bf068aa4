import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, Matches } from 'class-validator';

export class MeterReportDto {
  @ApiProperty({ example: '42' }) id: string;
  @ApiProperty({ example: '0b7e6a52-3c1d-4d7e-9a51-2f7c1e9d8b10' }) user_id: string;
  @ApiProperty({
    example: 'op_7f3a…',
    description: "the meter event's identifier (Stripe deduplicates on it)",
  })
  identifier: string;
  @ApiProperty({ example: 'tollgate_credits' }) event_name: string;
  @ApiProperty({ example: 3 }) value: number;
  @ApiProperty({ example: '2026-11-01T00:00:00.000Z' }) period_start: string;
  @ApiProperty({ example: '2026-11-12T09:30:00.000Z' }) occurred_at: string;
  @ApiProperty({ example: 'dead', enum: ['pending', 'sending', 'sent', 'dead'] }) status: string;
  @ApiProperty({ example: 10 }) attempts: number;
  @ApiProperty({ example: '2026-11-12T10:30:00.000Z' }) next_attempt_at: string;
  @ApiProperty({ example: "400 meter_event_customer_not_found: No such customer: 'cus_…'", nullable: true })
  last_error: string | null;
}

export class MeterReportsOverviewDto {
  @ApiProperty({ example: 0, description: 'waiting to be sent' }) pending: number;
  @ApiProperty({ example: 0, description: 'being sent (leased by a worker)' }) sending: number;
  @ApiProperty({ example: 1, description: 'given up: Stripe will not bill them until retried' }) dead: number;
  @ApiProperty({ example: null, nullable: true, description: 'age of the oldest unsent report' })
  oldest_pending_age_seconds: number | null;
  @ApiProperty({ type: [MeterReportDto], description: 'the dead reports, oldest first (at most 100)' })
  dead_reports: MeterReportDto[];
}

export class RetryMeterReportsDto {
  @ApiPropertyOptional({ example: ['42'], description: 'dead reports to retry (default: every dead report)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @Matches(/^[1-9][0-9]{0,17}$/, { each: true, message: 'each id must be a report id' })
  ids?: string[];
}

export class RetryMeterReportsResultDto {
  @ApiProperty({ example: 1, description: 'dead reports put back to pending, due now, attempts reset' })
  retried: number;
}
