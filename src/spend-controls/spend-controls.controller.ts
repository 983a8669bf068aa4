import { Body, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, RequiresScope, Roles, type AuthUser } from '../common/decorators';
import { AppError, ErrorCode } from '../common/errors';
import { ApiErrors } from '../common/swagger';
import { demoConfig, DemoConfig } from '../config/demo.config';
import { SpendControlsDto, SpendControlsResponseDto } from './dto/spend-controls.dto';
import { AutoTopUpService } from './auto-top-up.service';
import {
  AutoTopUpConfirmedDto,
  AutoTopUpDto,
  AutoTopUpResponseDto,
  ConfirmTopUpDto,
} from './dto/auto-top-up.dto';
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

/** The user (or the host's server for them, API key controls:write) turns auto top-up on and off. */
@ApiTags('credits')
@ApiBearerAuth()
@Controller('credits/auto-top-up')
export class AutoTopUpController {
  constructor(private readonly autoTopUps: AutoTopUpService) {}

  @Get()
  @RequiresScope('controls:write')
  @ApiOperation({ summary: "The caller's auto top-up settings" })
  @ApiOkResponse({ type: AutoTopUpResponseDto })
  @ApiErrors(401)
  get(@CurrentUser() user: AuthUser): Promise<AutoTopUpResponseDto> {
    return this.autoTopUps.get(user.id);
  }

  @Put()
  @RequiresScope('controls:write')
  @ApiOperation({
    summary:
      'Turn auto top-up on or off: buy a credit pack with the saved card when the balance falls below a threshold',
    description:
      'One off-session payment per crossing, at most max_per_month per UTC month. Needs a saved card to turn on ' +
      '(PAYMENT_METHOD_REQUIRED, 409); the pack must be for sale (PRICE_NOT_FOUND, 404) in the customer’s currency ' +
      '(CURRENCY_MISMATCH, 409). A refused body changes nothing.',
  })
  @ApiOkResponse({ type: AutoTopUpResponseDto })
  @ApiErrors(400, 401, 403, 404, 409, 422, 503)
  put(@CurrentUser() user: AuthUser, @Body() dto: AutoTopUpDto): Promise<AutoTopUpResponseDto> {
    return this.autoTopUps.put(user.id, dto);
  }

  @Post('confirm')
  @HttpCode(200)
  @RequiresScope('controls:write')
  @ApiOperation({
    summary: 'Confirm a top-up that needs the customer (3-D Secure), on-session: from your confirm page',
    description:
      'With the card it was tried with. requires_action: send the customer to redirect_url (the card’s ' +
      'authentication step, which returns to FRONTEND_URL/payments/confirm); succeeded: the pack is granted ' +
      '(once). The alternative is Stripe.js with the client_secret of payment.action_required.',
  })
  @ApiOkResponse({ type: AutoTopUpConfirmedDto })
  @ApiErrors(400, 401, 403, 404, 503)
  confirm(@CurrentUser() user: AuthUser, @Body() dto: ConfirmTopUpDto): Promise<AutoTopUpConfirmedDto> {
    return this.autoTopUps.confirm(user.id, dto.payment_intent_id);
  }
}

/**
 * Development only (DEMO_TIME_TRAVEL, never in production): the demo page sets the signed-in user's own spend
 * controls, as the host app's server would with an API key. Anywhere else a user cannot change their own limits.
 */
@ApiTags('dev')
@ApiBearerAuth()
@Controller('dev/spend-controls')
export class DevSpendControlsController {
  constructor(
    private readonly controls: SpendControlsService,
    @Inject(demoConfig.KEY) private readonly demo: DemoConfig,
  ) {}

  @Put()
  @ApiOperation({
    summary: 'Dev only: set your own spend controls, as your backend would (DEMO_TIME_TRAVEL)',
    description: BODY,
  })
  @ApiOkResponse({ type: SpendControlsResponseDto })
  @ApiErrors(400, 401, 403, 422)
  put(@CurrentUser() user: AuthUser, @Body() dto: SpendControlsDto): Promise<SpendControlsResponseDto> {
    if (!this.demo.timeTravel)
      throw new AppError(
        ErrorCode.Forbidden,
        'Setting your own spend controls is a demo tool: it needs DEMO_TIME_TRAVEL=true (never in production).',
      );
    return this.controls.put(user.id, dto);
  }
}
