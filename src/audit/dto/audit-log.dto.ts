import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

export class AuditLogQueryDto {
  @ApiPropertyOptional({ example: 50, default: 50, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit: number = 50;

  @ApiPropertyOptional({ example: '1042', description: 'next_cursor from the previous page' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'cursor must be an audit entry id' })
  cursor?: string;

  @ApiPropertyOptional({ description: 'Only this actor (a user id or an API key id)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  actor_id?: string;

  @ApiPropertyOptional({
    example: 'credits',
    description: 'Only actions whose "METHOD /route" contains this',
  })
  @IsOptional()
  @IsString()
  @MaxLength(160)
  action?: string;
}

export class AuditActorDto {
  @ApiProperty({ enum: ['user', 'api_key'] })
  type: 'user' | 'api_key';

  @ApiProperty({ description: 'The admin user id, or the API key id' })
  id: string;

  @ApiProperty({ type: String, nullable: true, description: "The admin's email, or the key's name" })
  label: string | null;
}

export class AuditEntryDto {
  @ApiProperty({ example: '17' })
  id: string;

  @ApiProperty({ example: '2026-12-03T09:30:00.000Z' })
  occurred_at: string;

  @ApiProperty({ type: AuditActorDto })
  actor: AuditActorDto;

  @ApiProperty({ example: 'POST /admin/users/:id/credits', description: 'Method and route template' })
  action: string;

  @ApiProperty({ example: { id: '5b0e0a8e-…' }, description: "The route's parameters (what was acted on)" })
  target: Record<string, string>;

  @ApiProperty({ type: String, nullable: true, description: "The request body's reason, when it gave one" })
  reason: string | null;

  @ApiProperty({ type: String, nullable: true })
  request_id: string | null;

  @ApiProperty({ example: 201, description: 'The status the action answered' })
  status: number;
}

export class AuditLogPageDto {
  @ApiProperty({ type: [AuditEntryDto] })
  entries: AuditEntryDto[];

  @ApiProperty({ type: String, nullable: true })
  next_cursor: string | null;
}
