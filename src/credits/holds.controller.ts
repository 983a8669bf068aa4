import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentUser, IdempotencyKey, RequiresScope, type AuthUser } from '../common/decorators';
import { ApiErrors, ApiInsufficientCredits } from '../common/swagger';
import { CaptureHoldDto, HoldDto, HoldResultDto, PlaceHoldDto } from './dto/holds.dto';
import { requireKey } from './grants.controller';
import { HoldsService, type HoldResult } from './holds.service';

/** The answer without the internal replay flag. */
const answer = ({ replayed: _replayed, ...rest }: HoldResult) => rest;

@ApiTags('credits')
@ApiBearerAuth()
@Controller('credits/holds')
export class CreditHoldsController {
  constructor(private readonly holds: HoldsService) {}

  @Post()
  @RequiresScope('credits:consume')
  @ApiOperation({
    summary:
      'Reserve credits before a job of unknown cost (taken from grants like a consume; out of the total)',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: 'Required: a retry answers the same hold.',
  })
  @ApiCreatedResponse({ type: HoldResultDto })
  @ApiErrors(400, 401, 409)
  @ApiInsufficientCredits('nothing was held')
  async place(@CurrentUser() user: AuthUser, @Body() dto: PlaceHoldDto, @IdempotencyKey() key?: string) {
    const hold = await this.holds.place(user.id, {
      amount: dto.amount,
      reason: dto.reason,
      ttlSeconds: dto.ttl_seconds,
      idempotencyKey: requireKey(key),
    });
    return answer(hold);
  }

  @Get(':id')
  @RequiresScope('credits:read')
  @ApiOperation({ summary: 'One of the caller’s holds' })
  @ApiOkResponse({ type: HoldDto })
  @ApiErrors(400, 401, 404)
  get(@CurrentUser() user: AuthUser, @Param('id', new ParseUUIDPipe()) id: string) {
    return this.holds.get(user.id, id);
  }

  @Post(':id/capture')
  @HttpCode(200)
  @RequiresScope('credits:consume')
  @ApiOperation({
    summary: 'Settle a hold keeping what the job cost; the rest returns to its grants at once',
  })
  @ApiOkResponse({ type: HoldResultDto })
  @ApiErrors(400, 401, 404, 409)
  async capture(
    @CurrentUser() user: AuthUser,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: CaptureHoldDto,
  ) {
    return answer(await this.holds.capture(user.id, id, dto.amount, dto.on_excess));
  }

  @Post(':id/release')
  @HttpCode(200)
  @RequiresScope('credits:consume')
  @ApiOperation({ summary: 'Settle a hold returning all of it' })
  @ApiOkResponse({ type: HoldResultDto })
  @ApiErrors(400, 401, 404, 409)
  async release(@CurrentUser() user: AuthUser, @Param('id', new ParseUUIDPipe()) id: string) {
    return answer(await this.holds.release(user.id, id));
  }
}
