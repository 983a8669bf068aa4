import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, RequiresScope, type AuthUser } from '../common/decorators';
import { ApiErrors } from '../common/swagger';
import { EntitlementsDto } from './dto/entitlements.dto';
import { EntitlementsService } from './entitlements.service';

@ApiTags('entitlements')
@ApiBearerAuth()
@Controller('entitlements')
export class EntitlementsController {
  constructor(private readonly entitlements: EntitlementsService) {}

  @RequiresScope('entitlements:read')
  @Get()
  @ApiOperation({ summary: "The caller's features (flags and limits) and the plan they come from" })
  @ApiOkResponse({ type: EntitlementsDto })
  @ApiErrors(400, 401, 403, 404)
  get(@CurrentUser() user: AuthUser): Promise<EntitlementsDto> {
    return this.entitlements.forUser(user.id);
  }
}
