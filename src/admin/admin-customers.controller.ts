import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/decorators';
import { AppError, ErrorCode } from '../common/errors';
import { ApiErrors } from '../common/swagger';
import { InvoicesQueryDto, InvoicesResponseDto } from '../payments/dto/invoices.dto';
import { UserSubscriptionDto } from '../payments/dto/subscription-response.dto';
import { InvoicesService } from '../payments/invoices.service';
import { OutboundEventsReader } from '../outbound/outbound-events-reader';
import { SubscriptionManagementService } from '../payments/subscription-management.service';
import { UserRefPipe } from '../users/user-ref.pipe';
import { AdminOverviewService } from './admin-overview.service';
import { AdminPaymentsService } from './admin-payments.service';
import {
  AdminOverviewDto,
  AdminPaymentListDto,
  AdminRefundDto,
  OperatorReasonDto,
  OutboundEventsQueryDto,
  UserOutboundEventListDto,
} from './dto/admin-payments.dto';

const PAYMENT_INTENT = /^pi_[A-Za-z0-9_]{1,250}$/;

/** The operator console's customer actions and reads beyond the user detail: money, through Stripe. */
@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin', 'support')
@Controller('admin')
export class AdminCustomersController {
  constructor(
    private readonly invoices: InvoicesService,
    private readonly payments: AdminPaymentsService,
    private readonly subscriptions: SubscriptionManagementService,
    private readonly overviews: AdminOverviewService,
    private readonly outbound: OutboundEventsReader,
  ) {}

  @Get('users/:ref/outbound-events')
  @ApiOperation({ summary: 'Outbound events about one user, newest first, paged by cursor (admin, support)' })
  @ApiOkResponse({ type: UserOutboundEventListDto })
  @ApiErrors(400, 401, 403, 404, 409)
  outboundOf(
    @Param('ref', UserRefPipe) userId: string,
    @Query() q: OutboundEventsQueryDto,
  ): Promise<UserOutboundEventListDto> {
    return this.outbound.aboutUser(userId, q.limit, q.cursor);
  }

  @Get('overview')
  @ApiOperation({ summary: "The console's dashboard: the figures GET /metrics exposes (admin, support)" })
  @ApiOkResponse({ type: AdminOverviewDto })
  @ApiErrors(401, 403)
  overview(): Promise<AdminOverviewDto> {
    return this.overviews.overview();
  }

  @Get('users/:ref/invoices')
  @ApiOperation({ summary: "One user's invoices, newest first, from Stripe (admin, support)" })
  @ApiOkResponse({ type: InvoicesResponseDto })
  @ApiErrors(400, 401, 403, 404, 409, 503)
  invoicesOf(
    @Param('ref', UserRefPipe) userId: string,
    @Query() q: InvoicesQueryDto,
  ): Promise<InvoicesResponseDto> {
    return this.invoices.list(userId, q);
  }

  @Get('users/:ref/payments')
  @ApiOperation({ summary: "One user's payments with what was refunded, from Stripe (admin, support)" })
  @ApiOkResponse({ type: AdminPaymentListDto })
  @ApiErrors(400, 401, 403, 404, 409, 503)
  paymentsOf(@Param('ref', UserRefPipe) userId: string): Promise<AdminPaymentListDto> {
    return this.payments.list(userId);
  }

  @Post('users/:ref/payments/:payment_intent_id/refund')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Refund a credit-pack payment in full (admin); its credits are clawed back as for any refund',
  })
  @ApiOkResponse({ type: AdminRefundDto })
  @ApiErrors(400, 401, 403, 404, 409, 503)
  refund(
    @Param('ref', UserRefPipe) userId: string,
    @Param('payment_intent_id') paymentIntentId: string,
    @Body() _dto: OperatorReasonDto,
  ): Promise<AdminRefundDto> {
    if (!PAYMENT_INTENT.test(paymentIntentId)) {
      throw new AppError(
        ErrorCode.ValidationFailed,
        'payment_intent_id must be a Stripe payment intent id (pi_…).',
      );
    }
    return this.payments.refund(userId, paymentIntentId);
  }

  @Post('users/:ref/subscription/cancel')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: "Cancel a user's subscription at the end of its period (admin)" })
  @ApiOkResponse({ type: UserSubscriptionDto })
  @ApiErrors(400, 401, 403, 404, 409, 503)
  cancel(
    @Param('ref', UserRefPipe) userId: string,
    @Body() _dto: OperatorReasonDto,
  ): Promise<UserSubscriptionDto> {
    return this.subscriptions.cancel(userId);
  }

  @Post('users/:ref/subscription/resume')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: "Undo a user's cancellation at period end (admin)" })
  @ApiOkResponse({ type: UserSubscriptionDto })
  @ApiErrors(400, 401, 403, 404, 409, 503)
  resume(
    @Param('ref', UserRefPipe) userId: string,
    @Body() _dto: OperatorReasonDto,
  ): Promise<UserSubscriptionDto> {
    return this.subscriptions.resume(userId);
  }
}
