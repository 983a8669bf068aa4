import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/decorators';
import { AppError, ErrorCode } from '../common/errors';
import { ApiErrors } from '../common/swagger';
import { SubscriptionReconciler } from '../payments/subscription-reconciler.service';
import { AutoTopUpService } from '../spend-controls/auto-top-up.service';
import { reconcileAll } from './reconcile-all';
import { parseDuration, WebhookReplayService } from '../webhooks/webhook-replay.service';
import {
  ReconcileRequestDto,
  ReconcileResultDto,
  ReplayRequestDto,
  ReplaySummaryDto,
} from './dto/stripe-operations.dto';

/**
 * `stripe:replay` and `stripe:reconcile` through the running server: the only way on the embedded setup, whose
 * database and built-in emulator live inside the server process, and handy anywhere else.
 */
@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/stripe')
export class AdminStripeController {
  constructor(
    private readonly replays: WebhookReplayService,
    private readonly reconciler: SubscriptionReconciler,
    private readonly topUps: AutoTopUpService,
  ) {}

  @Post('replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Fetch a window of Stripe events and run the ones Tollgate never received (admin)',
    description:
      'The same as npm run stripe:replay: events already in the inbox are skipped, new ones go through the ' +
      'normal handlers, so running it twice changes nothing the second time.',
  })
  @ApiOkResponse({ type: ReplaySummaryDto })
  @ApiErrors(400, 401, 403, 429, 503)
  async replay(@Body() dto: ReplayRequestDto): Promise<ReplaySummaryDto> {
    const { failedIds, ...counts } = await this.replays.replay({
      sinceSeconds: this.window(dto.since),
      undeliveredOnly: dto.undelivered_only ?? false,
    });
    return { ...counts, failed_ids: failedIds };
  }

  @Post('reconcile')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Compare every subscription with Stripe's and find auto top-ups paid but never granted; fix=true repairs (admin)",
    description: 'The same as npm run stripe:reconcile [-- --fix].',
  })
  @ApiOkResponse({ type: ReconcileResultDto })
  @ApiErrors(400, 401, 403, 429, 503)
  async reconcile(@Body() dto: ReconcileRequestDto): Promise<ReconcileResultDto> {
    const { exitCode: _exitCode, ...result } = await reconcileAll(this.reconciler, this.topUps, {
      fix: dto.fix ?? false,
    });
    return result;
  }

  private window(since: string): number {
    try {
      return parseDuration(since);
    } catch (err) {
      throw new AppError(ErrorCode.ValidationFailed, (err as Error).message.replace('--since', 'since'));
    }
  }
}
