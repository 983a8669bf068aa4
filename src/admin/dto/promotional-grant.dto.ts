import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

export class PromotionalGrantDto {
  @ApiProperty({
    example: 50,
    description: 'Credits to give (1–1,000,000); a support user at most CONSOLE_SUPPORT_GRANT_LIMIT at once.',
  })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  amount: number;

  @ApiProperty({ example: 'Goodwill credit for ticket #4411' })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason: string;
}
