import { Body, Controller, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequiresScope, Roles } from '../common/decorators';
import { ApiErrors } from '../common/swagger';
import { ExternalUserDto, UpsertExternalUserDto } from './dto/external-user.dto';
import { IdentityService } from './identity.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class ExternalUsersController {
  constructor(private readonly identities: IdentityService) {}

  @Put(':external_id')
  @Roles('admin')
  @RequiresScope('users:write', { actsForUser: false })
  @ApiOperation({
    summary:
      "Create or update one of the host app's users by its own id (API key with users:write, or admin)",
    description:
      'Users live in the identity provider namespace (AUTH_ISSUER) when one is configured, so the same id ' +
      'reaches the same user by token or by API key. Omitted fields keep their stored value.',
  })
  @ApiOkResponse({ type: ExternalUserDto })
  @ApiErrors(400, 401, 403)
  upsert(@Param('external_id') externalId: string, @Body() dto: UpsertExternalUserDto) {
    return this.identities.upsertForApiKey(externalId, dto);
  }
}
