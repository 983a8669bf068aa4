import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/swagger';
import { CurrentUser, type AuthUser } from '../common/decorators';
import { TimeTravelResultDto } from './dto/time-travel-result.dto';
import { TimeTravelService } from './time-travel.service';

/** Development only (DEMO_TIME_TRAVEL on the emulator): move the caller's own billing time. */
@ApiTags('dev')
@ApiBearerAuth()
@Controller('dev/time-travel')
export class TimeTravelController {
  constructor(private readonly timeTravel: TimeTravelService) {}

  @Post('renewal')
  @HttpCode(200)
  @ApiOperation({ summary: "Dev only: advance your subscription's test clock past its next renewal" })
  @ApiOkResponse({ type: TimeTravelResultDto })
  @ApiErrors(401, 403, 404)
  renewal(@CurrentUser() user: AuthUser): Promise<TimeTravelResultDto> {
    return this.timeTravel.advanceToRenewal(user.id);
  }

  @Post('fail-next-renewal')
  @HttpCode(200)
  @ApiOperation({ summary: 'Dev only: make your next renewal payments fail (declined card)' })
  @ApiOkResponse({ type: TimeTravelResultDto })
  @ApiErrors(401, 403, 404)
  failNextRenewal(@CurrentUser() user: AuthUser): Promise<TimeTravelResultDto> {
    return this.timeTravel.failNextRenewal(user.id);
  }

  @Post('restore-card')
  @HttpCode(200)
  @ApiOperation({ summary: 'Dev only: renewals charge your checkout card again' })
  @ApiOkResponse({ type: TimeTravelResultDto })
  @ApiErrors(401, 403, 404)
  restoreCard(@CurrentUser() user: AuthUser): Promise<TimeTravelResultDto> {
    return this.timeTravel.restoreCard(user.id);
  }

  @Post('refund-last-purchase')
  @HttpCode(200)
  @ApiOperation({ summary: 'Dev only: refund your newest credit-pack payment (credits are clawed back)' })
  @ApiOkResponse({ type: TimeTravelResultDto })
  @ApiErrors(401, 403, 404)
  refundLastPurchase(@CurrentUser() user: AuthUser): Promise<TimeTravelResultDto> {
    return this.timeTravel.refundLastPurchase(user.id);
  }
}
