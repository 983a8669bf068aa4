import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/decorators';
import { ApiErrors } from '../common/swagger';
import { CatalogService } from './catalog.service';
import { CatalogSyncResponseDto } from './dto/catalog-sync-response.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/catalog')
export class CatalogAdminController {
  constructor(private readonly catalog: CatalogService) {}

  @Post('sync')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Pull active products and prices from Stripe into the catalog tables (admins only)',
  })
  @ApiOkResponse({ type: CatalogSyncResponseDto })
  @ApiErrors(401, 403, 429, 503)
  sync(): Promise<CatalogSyncResponseDto> {
    return this.catalog.syncFromStripe();
  }
}
