import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, Max, MaxLength, Min, MinLength, NotEquals } from 'class-validator';

export class AdjustCreditsDto {
  @ApiProperty({ example: 25, description: 'Signed: positive grants, negative removes (never below zero).' })
  @IsInt()
  @NotEquals(0)
  @Min(-1_000_000)
  @Max(1_000_000)
  amount: number;

  @ApiProperty({ example: 'purchased', enum: ['monthly', 'purchased'] })
  @IsIn(['monthly', 'purchased'])
  bucket: 'monthly' | 'purchased';

  @ApiProperty({ example: 'Goodwill credit for ticket #4411' })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason: string;
}
