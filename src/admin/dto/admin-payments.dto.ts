import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

export class OperatorReasonDto {
  @ApiProperty({ example: 'Customer asked on ticket #4411', description: 'Why: kept in the audit log' })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason: string;
}

export class AdminPaymentDto {
  @ApiProperty({ example: 'pi_3Q1w2e' }) payment_intent_id: string;
  @ApiProperty({ example: 'credit_pack', enum: ['credit_pack', 'subscription'] }) kind: string;
  @ApiProperty({ example: 'succeeded' }) status: string;
  @ApiProperty({ example: 999, description: 'Minor units of currency' }) amount: number;
  @ApiProperty({ example: 0, description: 'Refunded so far, minor units' }) amount_refunded: number;
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ example: '100 Credits', nullable: true }) description: string | null;
  @ApiProperty({
    example: true,
    description: 'A credit-pack payment that succeeded and is not fully refunded',
  })
  refundable: boolean;
  @ApiProperty({ example: '2026-11-29T06:00:00.000Z' }) created: string;
}

export class AdminPaymentListDto {
  @ApiProperty({ type: [AdminPaymentDto] }) payments: AdminPaymentDto[];
}

export class AdminRefundDto {
  @ApiProperty({ example: 're_3Q1w2e' }) refund_id: string;
  @ApiProperty({ example: 'succeeded' }) status: string;
  @ApiProperty({ example: 999 }) amount: number;
  @ApiProperty({ example: 'usd' }) currency: string;
}

export class AdminOverviewDto {
  @ApiProperty({ example: 0, description: 'tollgate_webhook_inbox_backlog: Stripe events not processed yet' })
  webhook_inbox_backlog: number;
  @ApiProperty({
    example: 0,
    description: 'tollgate_outbound_undelivered: outbound deliveries not delivered yet',
  })
  outbound_undelivered: number;
  @ApiProperty({ example: 0, description: 'tollgate_outbound_disabled_endpoints' })
  outbound_disabled_endpoints: number;
  @ApiProperty({
    example: 1200,
    description: 'tollgate_credits_granted_total (all reasons, since this process started)',
  })
  credits_granted: number;
  @ApiProperty({ example: 300, description: 'tollgate_credits_consumed_total (since this process started)' })
  credits_consumed: number;
  @ApiProperty({
    example: 100,
    description: 'tollgate_credits_clawed_back_total (since this process started)',
  })
  credits_clawed_back: number;
}

export class OutboundEventsQueryDto {
  @ApiPropertyOptional({ example: 20, default: 20, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  @ApiPropertyOptional({ example: '12', description: 'next_cursor from the previous page' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'cursor must be an event sequence' })
  cursor?: string;
}

export class UserOutboundEventDto {
  @ApiProperty({ example: 'msg_2abc' }) id: string;
  @ApiProperty({ example: 'credits.granted' }) type: string;
  @ApiProperty({ example: '12', description: "The event's place in this user's sequence" }) sequence: string;
  @ApiProperty({ example: '2026-11-29T06:00:00.000Z' }) created_at: string;
  @ApiProperty({ example: { amount: 100 }, description: "The event payload's data" }) data: Record<
    string,
    unknown
  >;
}

export class UserOutboundEventListDto {
  @ApiProperty({ type: [UserOutboundEventDto] }) events: UserOutboundEventDto[];
  @ApiProperty({ example: null, nullable: true, type: String }) next_cursor: string | null;
}
