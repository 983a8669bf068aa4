import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

const FLAG = ['true', 'false'] as const;

export class CatalogSyncQueryDto {
  @ApiPropertyOptional({
    enum: FLAG,
    description: 'true: answer what the sync would change and change nothing.',
  })
  @IsOptional()
  @IsIn(FLAG, { message: 'dry_run must be true or false' })
  dry_run?: (typeof FLAG)[number];

  @ApiPropertyOptional({
    enum: FLAG,
    description:
      'true: apply even if nothing would be left for sale (otherwise 409 CATALOG_SYNC_WOULD_EMPTY, e.g. an empty or wrong Stripe account).',
  })
  @IsOptional()
  @IsIn(FLAG, { message: 'allow_empty must be true or false' })
  allow_empty?: (typeof FLAG)[number];
}
