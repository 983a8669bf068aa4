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
      'Why Tollgate turned it off (payment_failed, no_payment_method, package_unavailable), if it did.',
  })
  disabled_reason: string | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  updated_at: string | null;
}
