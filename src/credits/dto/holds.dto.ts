import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export class PlaceHoldDto {
  @ApiProperty({ example: 200, minimum: 1, maximum: 1_000_000 })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  amount: number;

  @ApiPropertyOptional({ example: 'agent_run', description: 'Why (recorded in the ledger).' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(/^[\w.:\- ]+$/, { message: 'reason may contain letters, digits, spaces and . _ : -' })
  reason: string = 'hold';

  @ApiPropertyOptional({ example: 900, default: 900, minimum: 1, maximum: 86400 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86400)
  ttl_seconds: number = 900;
}

export class CaptureHoldDto {
  @ApiProperty({ example: 137, minimum: 0, maximum: 1_000_000, description: 'What the job really cost.' })
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  amount: number;

  @ApiPropertyOptional({
    enum: ['reject', 'cap'],
    default: 'reject',
    description: 'More than held: 409 CAPTURE_EXCEEDS_HOLD (reject) or capture the held amount (cap).',
  })
  @IsOptional()
  @IsIn(['reject', 'cap'])
  on_excess: 'reject' | 'cap' = 'reject';
}

export class HoldDto {
  @ApiProperty({ example: '0b7e5a52-6d1e-4a53-9b7f-2f6a4a3d9c10' }) hold_id: string;
  @ApiProperty({ enum: ['open', 'captured', 'released', 'expired'] }) status: string;
  @ApiProperty({ example: 200 }) amount: number;
  @ApiProperty({ example: 137, nullable: true }) captured: number | null;
  @ApiProperty({ example: 'agent_run' }) reason: string;
  @ApiProperty() expires_at: string;
  @ApiProperty({ nullable: true }) settled_at: string | null;
  @ApiProperty() created_at: string;
}

export class HoldResultDto {
  @ApiProperty({ example: 0 }) monthly_credits: number;
  @ApiProperty({ example: 600 }) purchased_credits: number;
  @ApiProperty({ example: 200 }) promotional_credits: number;
  @ApiProperty({ example: 800, description: 'monthly + purchased + promotional, held credits out of it' })
  total_credits: number;
  @ApiProperty({ example: 200 }) held_credits: number;
  @ApiProperty({ example: '0b7e5a52-6d1e-4a53-9b7f-2f6a4a3d9c10' }) hold_id: string;
  @ApiProperty({ enum: ['open', 'captured', 'released', 'expired'] }) status: string;
  @ApiProperty({ example: 200 }) amount: number;
  @ApiProperty({ example: null, nullable: true }) captured: number | null;
  @ApiProperty({ example: 'agent_run' }) reason: string;
  @ApiProperty() expires_at: string;
  @ApiProperty({ nullable: true }) settled_at: string | null;
  @ApiProperty() created_at: string;
}
