import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsNumber,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';

const NUMBER = { allowNaN: false, allowInfinity: false } as const;

export class UsageLimitDto {
  @ApiProperty({ example: 500, description: 'At most this many credits per window (1 to 1,000,000,000).' })
  @IsNumber(NUMBER)
  credits: number;

  @ApiProperty({
    example: 'day',
    enum: ['hour', 'day', 'month'],
    description: 'A UTC calendar hour, day or month.',
  })
  @IsString()
  @MaxLength(16)
  per: string;
}

/**
 * The body of PUT …/spend-controls: the whole resource (an omitted field goes back to its default). Types are
 * checked here (400 VALIDATION_FAILED); ranges by the service (422 SPEND_CONTROLS_INVALID).
 */
export class SpendControlsDto {
  @ApiPropertyOptional({
    example: [100, 10],
    type: [Number],
    nullable: true,
    description:
      'Each fires credits.low once when the balance falls to or below it, and re-arms (credits.recovered) when it ' +
      'rises above it again. Replaces OUTBOUND_CREDITS_LOW_THRESHOLD for this user; [] turns the alerts off; ' +
      'null or absent: the global default. At most 10, each 0 to 1,000,000,000.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsNumber(NUMBER, { each: true })
  low_balance_thresholds?: number[] | null;

  @ApiPropertyOptional({
    type: [UsageLimitDto],
    description:
      'At most one per period. Enforced inside the consume and hold statements: 402 USAGE_LIMIT_REACHED past it.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => UsageLimitDto)
  usage_limits?: UsageLimitDto[];

  @ApiPropertyOptional({
    example: 5000,
    nullable: true,
    description:
      "Overage credits allowed per billing period on a plan with overage, over the plan's own cap (null: the plan's cap; 0: no overage). Past it, 402 OVERAGE_CAP_REACHED.",
  })
  @IsOptional()
  @IsNumber(NUMBER)
  overage_cap?: number | null;
}

export class SpendControlsResponseDto {
  @ApiProperty({ format: 'uuid' })
  user_id: string;

  @ApiProperty({ example: [100, 10], type: [Number], description: 'The thresholds in force, highest first.' })
  low_balance_thresholds: number[];

  @ApiProperty({
    example: false,
    description:
      'true: the user has no list of their own and the global OUTBOUND_CREDITS_LOW_THRESHOLD applies.',
  })
  low_balance_thresholds_default: boolean;

  @ApiProperty({ type: [UsageLimitDto] })
  usage_limits: UsageLimitDto[];

  @ApiProperty({ example: 5000, nullable: true, type: Number })
  overage_cap: number | null;

  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'null: never set.' })
  updated_at: string | null;
}
