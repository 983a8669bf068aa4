import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export class LedgerQueryDto {
  @ApiPropertyOptional({ example: 20, default: 20, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  @ApiPropertyOptional({ example: '1042', description: 'next_cursor from the previous page' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'cursor must be a ledger id' })
  cursor?: string;
}

export class LedgerEntryDto {
  @ApiProperty({ example: '1042' }) id: string;
  @ApiProperty({ example: 'monthly', enum: ['monthly', 'purchased', 'promotional'] }) bucket: string;
  @ApiProperty({ example: -1, description: 'Signed change' }) amount: number;
  @ApiProperty({ example: 99 }) balance_after: number;
  @ApiProperty({ example: 'consume' }) reason: string;
  @ApiProperty({ example: 'checkout_session', nullable: true }) source_type: string | null;
  @ApiProperty({ example: 'cs_test_a1b2', nullable: true }) source_id: string | null;
  @ApiProperty({
    example: '6f1c0c9e-2f41-4d7b-9a53-0c1f7f4f1d2a',
    nullable: true,
    description: 'The grant it moved',
  })
  grant_id: string | null;
  @ApiProperty({ example: { reason: 'create_post' } }) metadata: Record<string, unknown>;
  @ApiProperty({ example: '2026-11-29T06:00:00.000Z' }) created_at: string;
}

export class LedgerPageDto {
  @ApiProperty({ type: [LedgerEntryDto] }) entries: LedgerEntryDto[];
  @ApiProperty({ example: '1022', nullable: true }) next_cursor: string | null;
}
