import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches } from 'class-validator';

export class ReplayRequestDto {
  @ApiProperty({
    example: '2h',
    description: 'The window: events Stripe created in the last 30m, 2h, 3d… (at most 30d).',
  })
  @IsString()
  @Matches(/^\d+[smhd]$/, { message: 'since must look like 30m, 2h or 3d' })
  since: string;

  @ApiPropertyOptional({
    default: false,
    description: 'Only events Stripe reports as not delivered to every endpoint.',
  })
  @IsOptional()
  @IsBoolean()
  undelivered_only?: boolean;
}

export class ReplaySummaryDto {
  @ApiProperty({ example: 12, description: 'Events Stripe returned for the window.' })
  fetched: number;

  @ApiProperty({
    example: 2,
    description: 'Recorded in the inbox by this run (Stripe had them, Tollgate did not).',
  })
  new: number;

  @ApiProperty({ example: 10, description: 'Already in the inbox: skipped whatever their status.' })
  duplicates: number;

  @ApiProperty({ example: 2, description: 'New events that ended processed (or ignored).' })
  processed: number;

  @ApiProperty({
    example: 0,
    description: 'New events that ended failed or dead (see /admin/webhook-events).',
  })
  failed: number;

  @ApiProperty({ type: [String], example: [] })
  failed_ids: string[];
}

export class ReconcileRequestDto {
  @ApiPropertyOptional({
    default: false,
    description: 'Mirror what Stripe says for every drifted subscription; grant the missing top-ups.',
  })
  @IsOptional()
  @IsBoolean()
  fix?: boolean;
}

export class SubscriptionDriftDto {
  @ApiProperty({ example: 'sub_123' })
  subscription_id: string;

  @ApiProperty({ example: '7d0c…' })
  user_id: string;

  @ApiProperty({ example: 'cus_123' })
  customer_id: string;

  @ApiProperty({ enum: ['missing', 'changed', 'not_in_stripe'] })
  kind: 'missing' | 'changed' | 'not_in_stripe';

  @ApiProperty({
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: { tollgate: {}, stripe: {} },
    },
    example: { status: { tollgate: 'trialing', stripe: 'active' } },
    description: 'Per compared field: what Tollgate has and what Stripe says.',
  })
  fields: Record<
    string,
    { tollgate: string | number | boolean | null; stripe: string | number | boolean | null }
  >;
}

export class MissedTopUpDto {
  @ApiProperty({ example: 'pi_123' })
  payment_intent_id: string;

  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description:
      'With tax on, the paid top-up invoice the PaymentIntent paid; null for a bare PaymentIntent.',
  })
  invoice_id: string | null;

  @ApiProperty({ example: '7d0c…' })
  user_id: string;

  @ApiProperty({ example: 'cus_123' })
  customer_id: string;

  @ApiProperty({ example: 100, description: "The pack's credits (from the PaymentIntent's metadata)." })
  credits: number;

  @ApiProperty({ example: 1999, description: 'What Stripe charged, in minor units.' })
  amount: number;

  @ApiProperty({ example: 'usd' })
  currency: string;
}

export class TopUpReconcileDto {
  @ApiProperty({ example: 4, description: 'Succeeded auto top-up PaymentIntents and paid top-up invoices found on Stripe.' })
  checked: number;

  @ApiProperty({ type: [MissedTopUpDto], description: 'Of those, the ones Tollgate never granted.' })
  missing: MissedTopUpDto[];

  @ApiProperty({ example: 0, description: 'Missing top-ups granted now, once each (with fix).' })
  granted: number;

  @ApiProperty({ type: [MissedTopUpDto], description: 'Still missing after the fix.' })
  unresolved: MissedTopUpDto[];
}

export class ReconcileResultDto {
  @ApiProperty({ example: 3 })
  customers: number;

  @ApiProperty({ example: 3 })
  subscriptions: number;

  @ApiProperty({ type: [SubscriptionDriftDto] })
  drift: SubscriptionDriftDto[];

  @ApiProperty({ example: 0, description: 'Drifted subscriptions mirrored from Stripe (with fix).' })
  fixed: number;

  @ApiProperty({ type: [SubscriptionDriftDto], description: 'Drift that a fix could not resolve.' })
  unresolved: SubscriptionDriftDto[];

  @ApiProperty({
    type: TopUpReconcileDto,
    description: 'Auto top-up payments Stripe charged, never granted.',
  })
  top_ups: TopUpReconcileDto;
}
