import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable machine-readable code (see README).' })
  code: string;

  @ApiProperty({ example: 'price_id must start with price_' })
  message: string;

  @ApiProperty({
    example: 'price_id must start with price_',
    description: 'Same as message (the spec frontends read detail).',
  })
  detail: string;

  @ApiProperty({ example: '5f0c6d1e-8c51-4a53-9d42-3a0f3c5a9b1e' })
  request_id: string;

  @ApiPropertyOptional({ example: [{ field: 'price_id', errors: ['price_id must start with price_'] }] })
  errors?: unknown[];
}
