import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CreditBreakdownDto } from '../../credits/dto/consume-credits.dto';
import { CheckoutAmountsDto } from './tax.dto';

export class SubscriptionPlanDto {
  @ApiProperty({ example: 'Pro Plan', description: "The plan's product name." })
  name: string;

  @ApiProperty({ example: 'Professional Plan', nullable: true })
  full_plan_name: string | null;

  @ApiProperty({
    example: '29.99',
    nullable: true,
    description: 'Display string in major units, derived from unit_amount (never parse it back).',
  })
  price: string | null;

  @ApiProperty({ example: 2999, nullable: true, description: 'Integer minor units of `currency`.' })
  unit_amount: number | null;

  @ApiProperty({ example: 'usd' })
  currency: string;

  @ApiProperty({ example: 'month' })
  interval: string;

  @ApiProperty({ example: 100, description: 'Credits granted each billing period.' })
  monthly_credits: number;
}

/** The caller's live subscription (`has_subscription: true`). */
export class UserSubscriptionDto {
  @ApiProperty({ example: true })
  has_subscription: true;

  @ApiProperty({ example: 'sub_1PqR2s' })
  subscription_id: string;

  @ApiProperty({ example: 'active', enum: ['trialing', 'active', 'past_due', 'unpaid', 'paused'] })
  status: string;

  @ApiProperty({
    example: true,
    description: 'trialing/active → true; past_due within the grace period → true; otherwise false.',
  })
  has_access: boolean;

  @ApiProperty({
    type: SubscriptionPlanDto,
    nullable: true,
    description: 'null if the price left the catalog.',
  })
  plan: SubscriptionPlanDto | null;

  @ApiProperty({ example: '2026-12-12T10:00:00.000Z', nullable: true })
  trial_end: string | null;

  @ApiProperty({ example: '2026-11-28T10:00:00.000Z', nullable: true, description: 'Current period start.' })
  last_renew: string | null;

  @ApiProperty({ example: '2026-12-28T10:00:00.000Z', nullable: true, description: 'Current period end.' })
  next_renew: string | null;

  @ApiProperty({ example: false, description: 'true: the subscription ends at next_renew (no renewal).' })
  cancel_at_period_end: boolean;

  @ApiProperty({ example: null, nullable: true })
  canceled_at: string | null;

  @ApiProperty({ type: CreditBreakdownDto })
  credits: CreditBreakdownDto;
}

/** No live subscription (`has_subscription: false`): still 200, with the credit breakdown. */
export class NoSubscriptionDto {
  @ApiProperty({ example: false })
  has_subscription: false;

  @ApiProperty({ example: null, nullable: true, type: 'null' })
  subscription: null;

  @ApiProperty({ type: CreditBreakdownDto })
  credits: CreditBreakdownDto;
}

export type SubscriptionAnswer = UserSubscriptionDto | NoSubscriptionDto;

export class CheckoutPaymentErrorDto {
  @ApiProperty({
    example: 'CARD_DECLINED',
    enum: ['CARD_DECLINED', 'INSUFFICIENT_FUNDS', 'EXPIRED_CARD', 'PROCESSING_ERROR'],
  })
  code: string;

  @ApiProperty({ example: 'Your card was declined. Please try a different payment method.' })
  message: string;

  @ApiProperty({ example: 'generic_decline', nullable: true, description: "Stripe's decline code" })
  decline_code: string | null;
}

export class CheckoutSessionStatusDto {
  @ApiProperty({ example: 'cs_test_a1b2c3' })
  session_id: string;

  @ApiProperty({ example: 'complete', enum: ['open', 'complete', 'expired'], nullable: true })
  status: string | null;

  @ApiProperty({ example: 'paid', enum: ['paid', 'unpaid', 'no_payment_required'] })
  payment_status: string;

  @ApiProperty({ example: 'subscription', enum: ['subscription', 'payment'] })
  mode: string;

  @ApiProperty({
    example: true,
    description: 'The purchase is applied (subscription recorded / credits granted).',
  })
  fulfilled: boolean;

  @ApiPropertyOptional({
    type: UserSubscriptionDto,
    nullable: true,
    description: 'The subscription this session created (subscription mode), else null.',
  })
  subscription: UserSubscriptionDto | null;

  @ApiProperty({ type: CreditBreakdownDto })
  credits: CreditBreakdownDto;

  @ApiProperty({
    type: CheckoutPaymentErrorDto,
    nullable: true,
    description:
      'Why the last payment attempt on this (still open) session was declined, with the user-facing message; else null.',
  })
  last_payment_error: CheckoutPaymentErrorDto | null;

  @ApiProperty({
    type: CheckoutAmountsDto,
    description:
      'What the session charges (or charged): subtotal, discount, tax per rate and total, in minor units.',
  })
  amounts: CheckoutAmountsDto;
}
