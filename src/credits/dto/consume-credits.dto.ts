import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export class ConsumeCreditsDto {
  @ApiPropertyOptional({ example: 1, default: 1, minimum: 1, maximum: 10000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000)
  amount: number = 1;

  @ApiPropertyOptional({
    example: 'create_post',
    description: 'Why the credits are spent (recorded in the ledger).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(/^[\w.:\- ]+$/, { message: 'reason may contain letters, digits, spaces and . _ : -' })
  reason: string = 'consume';
}

export class ConsumeResultDto {
  @ApiProperty({ example: 1 })
  consumed: number;

  @ApiProperty({ example: 119 })
  credits_remaining: number;

  @ApiProperty({ example: 99 })
  monthly_credits: number;

  @ApiProperty({ example: 20 })
  purchased_credits: number;

  @ApiProperty({ example: 0 })
  promotional_credits: number;
}

export class ExpiringCreditsDto {
  @ApiProperty({ example: 100 }) amount: number;
  @ApiProperty({ example: '2026-12-31T00:00:00.000Z' }) expires_at: string;
}

export class CreditOverageDto {
  @ApiProperty({
    example: true,
    description:
      'Whether the user has an overage policy whose billing period has not ended: past the balance, consumes go on ' +
      'as overage up to the cap. When false, every other field is 0 or null.',
  })
  enabled: boolean;

  @ApiProperty({ example: 250, description: 'Overage credits used in the current billing period.' })
  used: number;

  @ApiProperty({
    example: 1000,
    nullable: true,
    type: Number,
    description:
      "The period's overage cap in credits: the user's own cap, else the plan's (null when not enabled).",
  })
  cap: number | null;

  @ApiProperty({
    example: '2026-12-31T00:00:00.000Z',
    nullable: true,
    type: String,
    description: 'When the current billing period ends (null when not enabled).',
  })
  period_end: string | null;

  @ApiProperty({
    example: 5,
    description:
      "What the period's overage costs so far, in minor units of `currency`: round(used × the price per credit " +
      "(Stripe's unit_amount_decimal)), a half rounded up. Billed by Stripe at the period's end.",
  })
  amount_due: number;

  @ApiProperty({
    example: 'usd',
    nullable: true,
    type: String,
    description: 'ISO currency (null when not enabled).',
  })
  currency: string | null;
}

export class CreditBreakdownDto {
  @ApiProperty({
    example: 100,
    description:
      "Monthly credits: the current period's allowance, expiring when the next period's is applied.",
  })
  monthly_credits: number;

  @ApiProperty({ example: 20, description: 'Purchased credits: never expire unless the pack says so.' })
  purchased_credits: number;

  @ApiProperty({
    example: 0,
    description: 'Promotional credits granted by the app or an operator; may expire.',
  })
  promotional_credits: number;

  @ApiProperty({
    example: 120,
    description: 'monthly + purchased + promotional (held credits are not in it).',
  })
  total_credits: number;

  @ApiProperty({ example: 0, description: 'Credits reserved by open holds.' })
  held_credits: number;

  @ApiProperty({
    type: [ExpiringCreditsDto],
    description: 'Credits with an expiry, grouped by when, soonest first.',
  })
  expiring: ExpiringCreditsDto[];

  @ApiProperty({
    type: CreditOverageDto,
    description:
      "The current billing period's overage: credits used past the balance, the cap and what it costs.",
  })
  overage: CreditOverageDto;
}
