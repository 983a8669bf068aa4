import { ApiProperty } from '@nestjs/swagger';

export class CatalogAmountDto {
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ example: 2999, description: 'Integer minor units' }) unit_amount: number;
}

export class CatalogEntryDto {
  @ApiProperty({ example: 'price_def456' }) price_id: string;
  @ApiProperty({ example: 'prod_abc123' }) product_id: string;
  @ApiProperty({ example: 'Pro Plan' }) name: string;
  @ApiProperty({ example: 'Professional subscription plan' }) description: string;
  @ApiProperty({
    example: true,
    description: 'false: off sale (kept for existing subscriptions and history)',
  })
  active: boolean;
  @ApiProperty({ example: 100, description: 'Per billing period for a plan, once for a package' })
  credits: number;
  @ApiProperty({
    type: [CatalogAmountDto],
    description: 'The base currency first, then every other currency it is sold in',
  })
  prices: CatalogAmountDto[];
  @ApiProperty({ example: 'month', nullable: true, description: 'Plans only; null for packages' })
  interval: string | null;
  @ApiProperty({ example: 1, nullable: true }) interval_count: number | null;
  @ApiProperty({ example: 14, nullable: true, description: 'Plans only' }) trial_days: number | null;
  @ApiProperty({
    example: 365,
    nullable: true,
    description: "Packages only: days until the pack's credits expire (null: kept until spent)",
  })
  expires_in_days: number | null;
  @ApiProperty({ example: '2026-12-03T09:30:00.000Z', description: 'When the sync last changed it' })
  updated_at: string;
}

export class AdminCatalogDto {
  @ApiProperty({ type: [CatalogEntryDto] }) plans: CatalogEntryDto[];
  @ApiProperty({ type: [CatalogEntryDto] }) packages: CatalogEntryDto[];
}
