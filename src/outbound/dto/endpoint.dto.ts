import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { OUTBOUND_EVENT_TYPES } from '../outbound-event-types';

/** What an endpoint may subscribe to (webhook.test is sent by POST …/test only). */
export const SUBSCRIBABLE_EVENTS = OUTBOUND_EVENT_TYPES.filter((t) => t !== 'webhook.test');
const EVENTS_MESSAGE = `each event must be one of: ${SUBSCRIBABLE_EVENTS.join(', ')}`;

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://app.example.com/webhooks/tollgate' })
  @IsString()
  @MaxLength(2048)
  url: string;

  @ApiProperty({
    example: ['purchase.completed', 'credits.granted'],
    enum: SUBSCRIBABLE_EVENTS,
    isArray: true,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIBABLE_EVENTS.length)
  @IsIn(SUBSCRIBABLE_EVENTS, { each: true, message: EVENTS_MESSAGE })
  events: string[];

  @ApiPropertyOptional({ example: 'Production app' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ example: 'https://app.example.com/webhooks/tollgate' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ example: ['credits.low'], enum: SUBSCRIBABLE_EVENTS, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIBABLE_EVENTS.length)
  @IsIn(SUBSCRIBABLE_EVENTS, { each: true, message: EVENTS_MESSAGE })
  events?: string[];

  @ApiPropertyOptional({
    example: true,
    description: 'true re-enables a disabled endpoint and clears its failures',
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ example: 'Production app' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class RotateSecretDto {
  @ApiPropertyOptional({
    example: 86400,
    description: 'Seconds the old secret keeps signing (default 86400)',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(30 * 86_400)
  grace_period_seconds?: number;
}

export class ReplayDto {
  @ApiPropertyOptional({ example: 'msg_2b1f…', description: 'One event to deliver again' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  event_id?: string;

  @ApiPropertyOptional({
    example: '2026-12-01T00:00:00Z',
    description: 'With `until`: every subscribed event in [since, until)',
  })
  @IsOptional()
  @IsDateString()
  since?: string;

  @ApiPropertyOptional({ example: '2026-12-02T00:00:00Z' })
  @IsOptional()
  @IsDateString()
  until?: string;
}

export class DeliveriesQueryDto {
  @ApiPropertyOptional({ example: 50, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class WebhookEndpointDto {
  @ApiProperty() id: string;
  @ApiProperty() url: string;
  @ApiProperty() description: string;
  @ApiProperty({ isArray: true, enum: SUBSCRIBABLE_EVENTS }) events: string[];
  @ApiProperty() enabled: boolean;
  @ApiProperty({ nullable: true, type: String }) disabled_reason: string | null;
  @ApiProperty() consecutive_failures: number;
  @ApiProperty({ nullable: true, type: String }) previous_secret_expires_at: string | null;
  @ApiProperty() created_at: string;
}

export class CreatedWebhookEndpointDto extends WebhookEndpointDto {
  @ApiProperty({ example: 'whsec_…', description: 'Shown once: store it, Tollgate will not show it again' })
  secret: string;
}

export class WebhookEndpointListDto {
  @ApiProperty({ type: [WebhookEndpointDto] }) endpoints: WebhookEndpointDto[];
}

export class RotatedSecretDto {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'whsec_…' }) secret: string;
  @ApiProperty({ nullable: true, type: String }) previous_secret_expires_at: string | null;
}

export class OutboundDeliveryDto {
  @ApiProperty() id: string;
  @ApiProperty() event_id: string;
  @ApiProperty() event_type: string;
  @ApiProperty({ enum: ['pending', 'sending', 'succeeded', 'failed'] }) status: string;
  @ApiProperty() attempts: number;
  @ApiProperty({ nullable: true, type: Number }) last_status_code: number | null;
  @ApiProperty({ nullable: true, type: Number }) last_latency_ms: number | null;
  @ApiProperty({ nullable: true, type: String }) last_error: string | null;
  @ApiProperty({ nullable: true, type: String }) next_attempt_at: string | null;
  @ApiProperty({ nullable: true, type: String }) delivered_at: string | null;
  @ApiProperty() created_at: string;
}

export class OutboundDeliveryListDto {
  @ApiProperty({ type: [OutboundDeliveryDto] }) deliveries: OutboundDeliveryDto[];
}

export class SentEventDto {
  @ApiProperty({ example: 'msg_…' }) event_id: string;
}

export class ReplayResultDto {
  @ApiProperty({ example: 3 }) replayed: number;
}
