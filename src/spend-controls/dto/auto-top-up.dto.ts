import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsNumber, IsString, MaxLength, MinLength } from 'class-validator';

const NUMBER = { allowNaN: false, allowInfinity: false } as const;

/** PUT /credits/auto-top-up: types here (400 VALIDATION_FAILED), ranges and the pack in the service. */
export class AutoTopUpDto {
  @ApiProperty({ example: true })
  @IsBoolean()
  enabled: boolean;

  @ApiProperty({
    example: 50,
    description:
      'A debit taking the total from at or above this to below it buys one pack (0 to 1,000,000,000).',
  })
  @IsNumber(NUMBER)
  threshold: number;

  @ApiProperty({
    example: 'price_1Q2w3E4r5T6y',
    description: 'The credit pack to buy: its price id (GET /payments/products).',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  price_id: string;

  @ApiProperty({ example: 5, description: 'At most this many top-ups per UTC calendar month (1 to 1000).' })
  @IsNumber(NUMBER)
  max_per_month: number;
}

/** A top-up waiting for the customer (3-D Secure off-session), as Stripe has it now. */
export class PendingTopUpDto {
  @ApiProperty({ example: 'pi_3Q2w3E4r5T6y' })
  payment_intent_id: string;

  @ApiProperty({
    example: 'requires_payment_method',
    description:
      "Stripe's status of the PaymentIntent: requires_payment_method (waiting for the customer), requires_action " +
      '(authentication started), processing or succeeded (credits arrive with the webhook).',
  })
  status: string;

  @ApiProperty({ example: 1999, description: 'Minor units.' })
  amount: number;

  @ApiProperty({ example: 'usd' })
  currency: string;

  @ApiProperty({ example: 100, description: "The pack's credits, granted once it succeeds." })
  credits: number;

  @ApiProperty({
    example: 'https://app.example.com/payments/confirm?payment_intent=pi_3Q2w3E4r5T6y',
    description: 'Your page that confirms it (FRONTEND_URL/payments/confirm), as in payment.action_required.',
  })
  confirm_url: string;

  @ApiProperty({ format: 'date-time' })
  created_at: string;
}

/** POST /credits/auto-top-up/confirm. */
export class ConfirmTopUpDto {
  @ApiProperty({ example: 'pi_3Q2w3E4r5T6y', description: 'The PaymentIntent of payment.action_required.' })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  payment_intent_id: string;
}

export class AutoTopUpConfirmedDto {
  @ApiProperty({ example: 'pi_3Q2w3E4r5T6y' })
  payment_intent_id: string;

  @ApiProperty({
    example: 'requires_action',
    description:
      "Stripe's status after confirming: requires_action (send the customer to redirect_url), succeeded.",
  })
  status: string;

  @ApiProperty({
    example: 'https://hooks.stripe.com/3d_secure_2/hosted?…',
    nullable: true,
    type: String,
    description: "The card's authentication step (requires_action); it returns to the confirm page.",
  })
  redirect_url: string | null;

  @ApiProperty({
    example: false,
    description: "true: this call granted the pack's credits (it had succeeded).",
  })
  granted: boolean;
}

export class AutoTopUpResponseDto {
  @ApiProperty({ format: 'uuid' })
  user_id: string;

  @ApiProperty({ example: true })
  enabled: boolean;

  @ApiProperty({ example: 50, nullable: true, type: Number })
  threshold: number | null;

  @ApiProperty({ example: 'price_1Q2w3E4r5T6y', nullable: true, type: String })
  price_id: string | null;

  @ApiProperty({ example: 5, nullable: true, type: Number })
  max_per_month: number | null;

  @ApiProperty({ example: 0, description: 'Declined top-up payments in a row.' })
  failures: number;

  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description:
      'Why Tollgate turned it off (payment_failed, no_payment_method, package_unavailable, currency_mismatch), if it did.',
  })
  disabled_reason: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  updated_at: string | null;

  @ApiProperty({
    type: PendingTopUpDto,
    nullable: true,
    description: 'The newest top-up waiting for the customer to confirm it (3-D Secure), or null.',
  })
  pending_payment: PendingTopUpDto | null;
}
