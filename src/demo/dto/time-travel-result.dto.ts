import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class TimeTravelResultDto {
  @ApiProperty({ example: 'clock_1a2b' })
  test_clock: string;

  @ApiProperty({ example: '2026-12-15T08:01:00.000Z', description: "The caller's billing time now" })
  frozen_time: string;

  @ApiProperty({ example: 'sub_1a2b', nullable: true })
  subscription_id: string | null;

  @ApiPropertyOptional({ example: 're_1a2b' })
  refund_id?: string;

  @ApiPropertyOptional({
    example: 'in_1a2b',
    description:
      'A renewal of a plan with overage: its invoice, finalized past the draft hour with the overage line',
  })
  invoice_id?: string;
}
