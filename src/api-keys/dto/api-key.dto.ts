import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { API_KEY_SCOPES, type ApiKeyScope } from '../../common/decorators';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'my-backend' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  @ApiProperty({ example: ['credits:read', 'credits:consume'], enum: API_KEY_SCOPES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(API_KEY_SCOPES.length)
  @IsIn(API_KEY_SCOPES, { each: true, message: `each scope must be one of: ${API_KEY_SCOPES.join(', ')}` })
  scopes: ApiKeyScope[];
}

export class ApiKeyDto {
  @ApiProperty({ example: '5f0c6d1e-8c51-4a53-9d42-3a0f3c5a9b1e' })
  id: string;

  @ApiProperty({ example: 'my-backend' })
  name: string;

  @ApiProperty({
    example: 'tg_Xc9rT2aB',
    description: 'The first characters of the secret, to recognise it.',
  })
  prefix: string;

  @ApiProperty({ example: ['credits:read'], enum: API_KEY_SCOPES, isArray: true })
  scopes: ApiKeyScope[];

  @ApiProperty({ example: '2026-11-29T06:00:00.000Z' })
  created_at: string;

  @ApiProperty({ example: '2026-11-29T06:05:00.000Z', nullable: true })
  last_used_at: string | null;

  @ApiProperty({ example: null, nullable: true })
  revoked_at: string | null;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    example: 'tg_Xc9rT2aB…',
    description: 'The secret, shown this once: only its SHA-256 is stored.',
  })
  secret: string;
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] })
  api_keys: ApiKeyDto[];
}
