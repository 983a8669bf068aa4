import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import type { WebhookEventStatus } from '../webhook-inbox.service';

const STATUSES: WebhookEventStatus[] = ['pending', 'processing', 'processed', 'failed', 'dead', 'ignored'];

export class WebhookEventsQueryDto {
  @ApiPropertyOptional({ enum: STATUSES, example: 'failed' })
  @IsOptional()
  @IsIn(STATUSES)
  status?: WebhookEventStatus;

  @ApiPropertyOptional({ example: 50, default: 50, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit: number = 50;

  @ApiPropertyOptional({ example: 'evt_1Q2w3e', description: 'next_cursor from the previous page' })
  @IsOptional()
  @Matches(/^evt_[A-Za-z0-9_]{1,250}$/, { message: 'cursor must be an event id (evt_…)' })
  cursor?: string;
}

export class WebhookEventDto {
  @ApiProperty({ example: 'evt_1Q2w3e' }) id: string;
  @ApiProperty({ example: 'invoice.paid' }) type: string;
  @ApiProperty({ example: '2026-10-28.endive', nullable: true }) api_version: string | null;
  @ApiProperty({ example: 'processed', enum: STATUSES }) status: string;
  @ApiProperty({ example: 1 }) attempts: number;
  @ApiProperty({ example: null, nullable: true }) last_error: string | null;
  @ApiProperty({
    example: null,
    nullable: true,
    description: "Why to look at this event: e.g. its api_version differs from the SDK's pinned one.",
  })
  warning: string | null;
  @ApiProperty({ example: '2026-11-29T06:00:00.000Z' }) created: string;
  @ApiProperty({ example: '2026-11-29T06:00:01.000Z' }) received_at: string;
  @ApiProperty({ example: '2026-11-29T06:00:01.000Z', nullable: true }) processed_at: string | null;
  @ApiProperty({ example: '2026-11-29T06:00:01.000Z' }) next_attempt_at: string;
}

export class WebhookEventListDto {
  @ApiProperty({ type: [WebhookEventDto] }) events: WebhookEventDto[];
  @ApiProperty({ example: null, nullable: true, type: String, description: 'cursor of the next page' })
  next_cursor: string | null;
}
