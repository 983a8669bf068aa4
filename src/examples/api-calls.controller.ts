import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, RequiresScope, type AuthUser } from '../common/decorators';
import { ApiErrors } from '../common/swagger';
import { RequiresFeature } from '../entitlements/requires-feature.decorator';
import { ApiCallResultDto } from '../entitlements/dto/entitlements.dto';

/** An example of a route only some plans may use: @RequiresFeature('api_access') (403 FEATURE_NOT_ENTITLED). */
@ApiTags('examples')
@ApiBearerAuth()
@Controller('examples')
export class ApiCallsController {
  @RequiresScope('entitlements:read')
  @Post('api-calls')
  @HttpCode(200)
  @RequiresFeature('api_access')
  @ApiOperation({ summary: 'Example route for plans with the api_access feature' })
  @ApiOkResponse({ type: ApiCallResultDto })
  @ApiErrors(401, 403)
  call(@CurrentUser() user: AuthUser): ApiCallResultDto {
    return { message: 'API call accepted', user_id: user.id, feature: 'api_access' };
  }
}
