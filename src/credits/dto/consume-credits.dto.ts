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
}

export class CreditBreakdownDto {
  @ApiProperty({ example: 100, description: 'Monthly credits: reset every billing cycle, spent first.' })
  monthly_credits: number;

  @ApiProperty({ example: 20, description: 'Purchased credits: persist until used.' })
  purchased_credits: number;

  @ApiProperty({ example: 120 })
  total_credits: number;
}
