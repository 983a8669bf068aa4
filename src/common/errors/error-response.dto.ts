import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from './error-codes';

/** One invalid field of a 400 VALIDATION_FAILED: every rule it broke. */
export class FieldErrorDto {
  @ApiProperty({ example: 'price_id' })
  field: string;

  @ApiProperty({ example: ['price_id must start with price_'], type: [String] })
  errors: string[];
}

/** The one error body every route answers with (AllExceptionsFilter). */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({
    example: 'VALIDATION_FAILED',
    enum: ErrorCode,
    enumName: 'ErrorCode',
    description: 'Stable machine-readable code (see README); codes are added, never renamed.',
  })
  code: ErrorCode;

  @ApiProperty({ example: 'price_id must start with price_' })
  message: string;

  @ApiProperty({
    example: 'price_id must start with price_',
    description: 'Same as message (the spec frontends read detail).',
  })
  detail: string;

  @ApiProperty({ example: '5f0c6d1e-8c51-4a53-9d42-3a0f3c5a9b1e' })
  request_id: string;

  @ApiPropertyOptional({
    type: [FieldErrorDto],
    description: 'VALIDATION_FAILED only: each invalid field and the rules it broke.',
  })
  errors?: FieldErrorDto[];
}
