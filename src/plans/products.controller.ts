import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/decorators';
import { ApiErrors } from '../common/swagger';
import { ProductsQueryDto } from './dto/products-query.dto';
import { ProductsResponseDto } from './dto/products-response.dto';
import { PlansService } from './plans.service';

@ApiTags('payments')
@Controller('payments')
export class ProductsController {
  constructor(private readonly plans: PlansService) {}

  @Public()
  @Get('products')
  @ApiOperation({
    summary: 'Plans or credit packages for sale, with their price in the requested currency',
    description:
      'INVALID_PRODUCT_TYPE (400) for a product_type other than subscription or one_time; UNSUPPORTED_CURRENCY (400) ' +
      'for a currency nothing is sold in. Both name the allowed values in `allowed`.',
  })
  @ApiOkResponse({ type: ProductsResponseDto })
  @ApiErrors(400, 429)
  list(@Query() query: ProductsQueryDto): Promise<ProductsResponseDto> {
    return this.plans.listProducts(query);
  }
}
