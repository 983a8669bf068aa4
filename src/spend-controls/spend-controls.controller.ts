import { Body, Controller, Get, Param, ParseUUIDPipe, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, RequiresScope, Roles, type AuthUser } from '../common/decorators';
import { ApiErrors } from '../common/swagger';
import { SpendControlsDto, SpendControlsResponseDto } from './dto/spend-controls.dto';
import { SpendControlsService } from './spend-controls.service';

const BODY =
  'The body replaces the whole resource (an omitted field goes back to its default). Ranges are checked first: ' +
  'a refused body changes nothing.';

/** The host app's server sets a user's controls by its own id (API key with controls:write), or an admin. */
@ApiTags('spend-controls')
@ApiBearerAuth()
@Roles('admin')
@Controller('users/:external_id/spend-controls')
export class UserSpendControlsController {
  constructor(private readonly controls: SpendControlsService) {}

  @Get()
  @RequiresScope('controls:write', { actsForUser: false })
  @ApiOperation({ summary: "A user's spend controls by your id (API key with controls:write, or admin)" })
  @ApiOkResponse({ type: SpendControlsResponseDto })
  @ApiErrors(400, 401, 403, 404)
  async get(@Param('external_id') externalId: string): Promise<SpendControlsResponseDto> {
    return this.controls.get(await this.controls.userIdForExternalId(externalId));
  }

  @Put()
  @RequiresScope('controls:write', { actsForUser: false })
  @ApiOperation({
    summary: "Set a user's spend controls by your id (API key with controls:write, or admin)",
    description: BODY,
  })
  @ApiOkResponse({ type: SpendControlsResponseDto })
  @ApiErrors(400, 401, 403, 404, 422)
  async put(
    @Param('external_id') externalId: string,
    @Body() dto: SpendControlsDto,
  ): Promise<SpendControlsResponseDto> {
    return this.controls.put(await this.controls.userIdForExternalId(externalId), dto);
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/users/:id/spend-controls')
export class AdminSpendControlsController {
  constructor(private readonly controls: SpendControlsService) {}

  @Get()
  @ApiOperation({ summary: "A user's spend controls (admin)" })
  @ApiOkResponse({ type: SpendControlsResponseDto })
  @ApiErrors(400, 401, 403, 404)
  async get(@Param('id', new ParseUUIDPipe()) userId: string): Promise<SpendControlsResponseDto> {
    await this.controls.assertUser(userId);
    return this.controls.get(userId);
  }

  @Put()
  @ApiOperation({ summary: "Set a user's spend controls (admin)", description: BODY })
  @ApiOkResponse({ type: SpendControlsResponseDto })
  @ApiErrors(400, 401, 403, 404, 422)
  async put(
    @Param('id', new ParseUUIDPipe()) userId: string,
    @Body() dto: SpendControlsDto,
  ): Promise<SpendControlsResponseDto> {
    await this.controls.assertUser(userId);
    return this.controls.put(userId, dto);
  }
}

/** The user reads their own controls (set by the host app or an admin). */
@ApiTags('credits')
@ApiBearerAuth()
@Controller('credits/controls')
export class CreditsControlsController {
  constructor(private readonly controls: SpendControlsService) {}

  @Get()
  @RequiresScope('credits:read')
  @ApiOperation({ summary: "The caller's spend controls: low-balance thresholds, usage limits, overage cap" })
  @ApiOkResponse({ type: SpendControlsResponseDto })
  @ApiErrors(401)
  get(@CurrentUser() user: AuthUser): Promise<SpendControlsResponseDto> {
    return this.controls.get(user.id);
  }
}
