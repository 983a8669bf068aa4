import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ErrorCode } from './error-codes';

/** One invalid field of a 400 VALIDATION_FAILED: every rule it broke. */
export class FieldErrorDto {
  @ApiProperty({ example: 'price_id' })
  field: string;

  @ApiProperty({ example: ['price_id must start with price_'], type: [String] })
  errors: string[];
}

/** FEATURE_NOT_ENTITLED: the caller's plan, or the plan that would grant the feature. */
export class ErrorPlanDto {
  @ApiProperty({ example: 'pro' })
  lookup_key: string;

  @ApiProperty({ example: 'Pro Plan' })
  name: string;

  @ApiPropertyOptional({ example: 'prod_pro', description: 'required_plan only' })
  product_id?: string;

  @ApiPropertyOptional({ example: 'price_pro', description: 'required_plan only' })
  price_id?: string;
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

  @ApiPropertyOptional({ example: 5, description: 'INSUFFICIENT_CREDITS only: credits asked for.' })
  requested?: number;

  @ApiPropertyOptional({ example: 2, description: 'INSUFFICIENT_CREDITS only: credits the user had.' })
  available?: number;

  @ApiPropertyOptional({
    example: 'api_access',
    description: 'FEATURE_NOT_ENTITLED only: the feature asked for.',
  })
  feature?: string;

  @ApiPropertyOptional({
    type: ErrorPlanDto,
    nullable: true,
    description: "FEATURE_NOT_ENTITLED only: the caller's plan (null: none).",
  })
  current_plan?: ErrorPlanDto | null;

  @ApiPropertyOptional({
    type: ErrorPlanDto,
    nullable: true,
    description: 'FEATURE_NOT_ENTITLED only: the first plan for sale that grants the feature (null: none).',
  })
  required_plan?: ErrorPlanDto | null;

  @ApiPropertyOptional({
    type: [String],
    example: ['one_time', 'subscription'],
    description: 'INVALID_PRODUCT_TYPE and UNSUPPORTED_CURRENCY only: the accepted values.',
  })
  allowed?: string[];

  @ApiPropertyOptional({
    example: 'generic_decline',
    description: "Card errors (402) only: Stripe's decline code.",
  })
  decline_code?: string;
}
