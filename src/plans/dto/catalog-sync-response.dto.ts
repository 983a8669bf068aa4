import { ApiProperty } from '@nestjs/swagger';

export class CatalogSyncSkippedDto {
  @ApiProperty({ example: 'price_123' })
  price_id: string;

  @ApiProperty({ example: 'prod_123' })
  product_id: string;

  @ApiProperty({ example: 'a credit package needs metadata.credits, a positive integer' })
  reason: string;
}

export class CatalogSyncResponseDto {
  @ApiProperty({ example: 2, description: 'Plans for sale after the sync.' })
  plans: number;

  @ApiProperty({ example: 1, description: 'Credit packages for sale after the sync.' })
  packages: number;

  @ApiProperty({
    example: 0,
    description: 'Rows that stopped being for sale (kept for existing subscriptions).',
  })
  deactivated: number;

  @ApiProperty({
    type: [CatalogSyncSkippedDto],
    description: 'Active Stripe prices that could not be imported, and why.',
  })
  skipped: CatalogSyncSkippedDto[];
}
