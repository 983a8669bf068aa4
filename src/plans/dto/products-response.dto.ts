import { ApiProperty } from '@nestjs/swagger';

export class RecurringDto {
  @ApiProperty({ example: 'month', enum: ['day', 'week', 'month', 'year'] })
  interval: string;

  @ApiProperty({ example: 1 })
  interval_count: number;
}

export class ProductPriceDto {
  @ApiProperty({ example: 'price_def456' })
  price_id: string;

  @ApiProperty({
    example: '29.99',
    description:
      'Major units as a decimal string, by the currency exponent ("1000" for JPY). Derived from integer minor units.',
  })
  unit_amount: string;

  @ApiProperty({ example: 'usd' })
  currency: string;

  @ApiProperty({ type: RecurringDto, nullable: true, description: 'null for one-time packages.' })
  recurring: RecurringDto | null;
}

export class ProductDto {
  @ApiProperty({
    example: 'prod_abc123',
    description: 'Stripe product id (send it as product_id to checkout).',
  })
  id: string;

  @ApiProperty({ example: 'Pro Plan' })
  name: string;

  @ApiProperty({ example: 'Professional subscription plan' })
  description: string;

  @ApiProperty({
    example: 100,
    description:
      'Credits granted: per billing period for a subscription (monthly_uses), once for a package (uses_amount).',
  })
  credits: number;

  @ApiProperty({
    example: 14,
    nullable: true,
    description: 'Free trial days a first subscription gets (0: none); null for one-time packages.',
  })
  trial_days: number | null;

  @ApiProperty({ type: ProductPriceDto })
  price: ProductPriceDto;
}

export class ProductsResponseDto {
  @ApiProperty({ type: [ProductDto] })
  products: ProductDto[];

  @ApiProperty({
    type: [String],
    example: ['eur', 'usd'],
    description:
      'Every currency the catalog sells in (a base currency or a currency option): the values ?currency= takes.',
  })
  currencies: string[];
}
