import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class CatalogSyncSkippedDto {
  @ApiProperty({ example: 'price_123' })
  price_id: string;

  @ApiProperty({ example: 'prod_123' })
  product_id: string;

  @ApiProperty({ example: 'a credit package needs metadata.credits, a positive integer' })
  reason: string;
}

export class CatalogChangeDto {
  @ApiProperty({ enum: ['added', 'deactivated', 'updated'] })
  change: 'added' | 'deactivated' | 'updated';

  @ApiProperty({ enum: ['plan', 'package'] })
  kind: 'plan' | 'package';

  @ApiProperty({ example: 'price_123' })
  price_id: string;

  @ApiProperty({ example: 'Pro Plan' })
  name: string;

  @ApiPropertyOptional({
    type: [String],
    example: ['unit_amount'],
    description: 'For updated: what differs.',
  })
  fields?: string[];
}

export class CatalogSyncResponseDto {
  @ApiProperty({ example: true, description: 'false for a dry run: nothing was changed.' })
  applied: boolean;

  @ApiProperty({ type: [CatalogChangeDto], description: 'Prices put on sale, taken off sale, or altered.' })
  changes: CatalogChangeDto[];

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
