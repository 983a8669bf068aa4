import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @ApiOperation({
    summary: "Dev only: advance your subscription's test clock past its next renewal",
    description:
      "A plan with overage: past the renewal invoice's draft hour too, once Tollgate has processed its " +
      'invoice.created (the invoice finalizes with the overage line). 409 when Tollgate has not processed it ' +
      'within 30 s: call again to finish that renewal.',
  })
  @ApiOkResponse({ type: TimeTravelResultDto })
  @ApiErrors(401, 403, 404, 409)
  renewal(@CurrentUser() user: AuthUser): Promise<TimeTravelResultDto> {
    return this.timeTravel.advanceToRenewal(user.id);
  }

  @Post('skip-trial')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Dev only: your next subscription starts paid, without the free trial (overage needs a paid period)',
  })
  @ApiNoContentResponse()
  @ApiErrors(401, 403, 404)
  skipTrial(@CurrentUser() user: AuthUser): Promise<void> {
    return this.timeTravel.skipTrial(user.id);
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
