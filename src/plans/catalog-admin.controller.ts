import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/decorators';
import { ApiErrors } from '../common/swagger';
import { CatalogSyncService } from './catalog-sync.service';
import { AdminCatalogDto } from './dto/admin-catalog.dto';
import { PlansService } from './plans.service';
import { CatalogSyncQueryDto } from './dto/catalog-sync-query.dto';
import { CatalogSyncResponseDto } from './dto/catalog-sync-response.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/catalog')
export class CatalogAdminController {
  constructor(
    private readonly catalog: CatalogSyncService,
    private readonly plans: PlansService,
  ) {}

  @Get()
  @Roles('admin', 'support')
  @ApiOperation({
    summary: 'The catalog as synced: every plan and credit package, on sale or not (admin, support)',
    description:
      'Read-only. Amounts in integer minor units, one per currency; packages with expires_in_days.',
  })
  @ApiOkResponse({ type: AdminCatalogDto })
  @ApiErrors(400, 401, 403)
  list(): Promise<AdminCatalogDto> {
    return this.plans.adminCatalog();
  }

  @Post('sync')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Pull active products and prices from Stripe into the catalog tables (admins only)',
    description:
      'Lists every price put on sale, taken off sale or altered. dry_run=true changes nothing. A sync that would ' +
      'take everything off sale answers 409 CATALOG_SYNC_WOULD_EMPTY unless allow_empty=true.',
  })
  @ApiOkResponse({ type: CatalogSyncResponseDto })
  @ApiErrors(400, 401, 403, 409, 429, 503)
  sync(@Query() query: CatalogSyncQueryDto): Promise<CatalogSyncResponseDto> {
    return this.catalog.syncFromStripe({
      dryRun: query.dry_run === 'true',
      allowEmpty: query.allow_empty === 'true',
    });
  }
}
