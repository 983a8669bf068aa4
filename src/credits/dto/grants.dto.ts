import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

export class GrantCreditsDto {
  @ApiProperty({ example: 500, minimum: 1, maximum: 1_000_000 })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  amount: number;

  @ApiPropertyOptional({ enum: ['promotional', 'purchased'], default: 'promotional' })
  @IsOptional()
  @IsIn(['promotional', 'purchased'])
  bucket: 'promotional' | 'purchased' = 'promotional';

  @ApiPropertyOptional({ example: '2027-01-31T23:59:59Z', description: 'When the credits expire (future).' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expires_at?: string;

  @ApiPropertyOptional({
    example: 30,
    minimum: 1,
    maximum: 3650,
    description: 'Or: expire this many days from now.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  expires_in_days?: number;

  @ApiPropertyOptional({
    example: 50,
    default: 50,
    minimum: 0,
    maximum: 100,
    description: 'Lower is spent first; every bucket defaults to 50, so the soonest expiry goes first.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  priority?: number;

  @ApiProperty({ example: 'Launch promotion' })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason: string;

  @ApiPropertyOptional({ example: 'campaign-2026-12', description: "The host app's own reference." })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(/^[\w.:\-/ ]+$/, { message: 'source_id may contain letters, digits, spaces and . _ : - /' })
  source_id?: string;
}

export class VoidGrantDto {
  @ApiProperty({ example: 'Issued by mistake' })
  @IsString()
  @MinLength(3)
  @MaxLength(500)
  reason: string;
}

export const GRANT_STATUSES = ['active', 'expired', 'voided', 'depleted'] as const;

export class GrantsQueryDto {
  @ApiPropertyOptional({ enum: GRANT_STATUSES })
  @IsOptional()
  @IsIn(GRANT_STATUSES)
  status?: (typeof GRANT_STATUSES)[number];

  @ApiPropertyOptional({ example: 20, default: 20, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  @ApiPropertyOptional({ description: 'next_cursor from the previous page' })
  @IsOptional()
  @Matches(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}_[0-9a-f-]{36}$/, {
    message: 'cursor must be a next_cursor',
  })
  cursor?: string;
}

export class GrantDto {
  @ApiProperty({ example: '6f1c0c9e-2f41-4d7b-9a53-0c1f7f4f1d2a' }) id: string;
  @ApiProperty({ enum: ['monthly', 'purchased', 'promotional'] }) bucket: string;
  @ApiProperty({ example: 500 }) amount: number;
  @ApiProperty({ example: 320 }) remaining: number;
  @ApiProperty({ example: 50 }) priority: number;
  @ApiProperty({ enum: GRANT_STATUSES }) status: string;
  @ApiProperty() effective_at: string;
  @ApiProperty({ nullable: true }) expires_at: string | null;
  @ApiProperty({ nullable: true }) voided_at: string | null;
  @ApiProperty({ nullable: true }) expired_at: string | null;
  @ApiProperty({ enum: ['purchase', 'period', 'admin', 'api', 'migration'] }) source: string;
  @ApiProperty({ nullable: true }) source_id: string | null;
  @ApiProperty({ nullable: true }) reason: string | null;
  @ApiProperty() created_at: string;
}

export class GrantPageDto {
  @ApiProperty({ type: [GrantDto] }) grants: GrantDto[];
  @ApiProperty({ nullable: true }) next_cursor: string | null;
}
