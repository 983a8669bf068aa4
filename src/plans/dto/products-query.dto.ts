import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export const PRODUCT_TYPES = ['subscription', 'one_time'] as const;
export type ProductType = (typeof PRODUCT_TYPES)[number];

/**
 * `GET /payments/products/?product_type=…&currency=…`. The allowed values are checked by the service so an
 * unknown value answers its own code (INVALID_PRODUCT_TYPE, UNSUPPORTED_CURRENCY) naming what is allowed.
 */
export class ProductsQueryDto {
  @ApiProperty({
    enum: PRODUCT_TYPES,
    example: 'subscription',
    description: 'Plans (subscription) or credit packages (one_time).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  product_type?: string;

  @ApiPropertyOptional({
    example: 'eur',
    description:
      "ISO currency to price in (case-insensitive). Default: each product's base currency. Products not sold in it are left out.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(8)
  currency?: string;
}
