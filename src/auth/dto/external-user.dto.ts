import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional } from 'class-validator';
import { IsNormalizedEmail } from '../../common/decorators/email.decorator';

export class UpsertExternalUserDto {
  @ApiPropertyOptional({ example: 'ada@example.com' })
  @IsOptional()
  @IsNormalizedEmail()
  email?: string;

  @ApiPropertyOptional({ example: { plan_hint: 'team', org_id: 'org_42' } })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class ExternalUserDto {
  @ApiProperty({ example: '5f0c6d1e-8c51-4a53-9d42-3a0f3c5a9b1e' })
  id: string;

  @ApiProperty({ example: 'user_2abc' })
  external_id: string;

  @ApiProperty({ example: 'https://idp.example.com/' })
  external_issuer: string;

  @ApiProperty({ example: 'ada@example.com', nullable: true })
  email: string | null;

  @ApiProperty({ example: { org_id: 'org_42' } })
  metadata: Record<string, unknown>;

  @ApiProperty({ example: '2026-11-29T06:00:00.000Z' })
  created_at: string;
}
