import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentUser, IdempotencyKey, RequiresScope, Roles, type AuthUser } from '../common/decorators';
import { ApiErrors, ApiInsufficientCredits } from '../common/swagger';
import { UserRefPipe } from '../users/user-ref.pipe';
import { ConsumeService } from './consume.service';
import { CreditsService } from './credits.service';
import { GrantsService } from './grants.service';
import { AdjustCreditsDto } from './dto/adjust-credits.dto';
import { ConsumeCreditsDto, ConsumeResultDto, CreditBreakdownDto } from './dto/consume-credits.dto';
import { LedgerPageDto, LedgerQueryDto } from './dto/ledger.dto';
import { ApiUsageStatement, USAGE_DESCRIPTION, UsageQueryDto } from './dto/usage.dto';
import type { ConsumeResult } from './credit.types';
import { usageAnswer } from './usage-csv';

@ApiTags('credits')
@ApiBearerAuth()
@Controller('credits')
export class CreditsController {
  constructor(
    private readonly credits: CreditsService,
    private readonly consumer: ConsumeService,
  ) {}

  @RequiresScope('credits:read')
  @Get()
  @ApiOperation({ summary: "The caller's credit breakdown (the spec's get_credit_breakdown)" })
  @ApiOkResponse({ type: CreditBreakdownDto })
  @ApiErrors(401)
  breakdown(@CurrentUser() user: AuthUser) {
    return this.credits.breakdown(user.id);
  }

  @RequiresScope('credits:read')
  @Get('ledger')
  @ApiOperation({ summary: "The caller's ledger, newest first (cursor pagination)" })
  @ApiOkResponse({ type: LedgerPageDto })
  @ApiErrors(400, 401)
  ledger(@CurrentUser() user: AuthUser, @Query() q: LedgerQueryDto) {
    return this.credits.ledger(user.id, q.limit, q.cursor);
  }

  @RequiresScope('credits:read')
  @Get('usage')
  @ApiOperation({
    summary: "The caller's usage statement: credits spent by day, reason or grant",
    description: USAGE_DESCRIPTION,
  })
  @ApiUsageStatement()
  @ApiErrors(400, 401)
  async usage(
    @CurrentUser() user: AuthUser,
    @Query() q: UsageQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return usageAnswer(reply, await this.credits.usage(user.id, q), q.format);
  }

  @RequiresScope('credits:consume')
  @Post('consume')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Spend credits: all-or-nothing, monthly first; 402 INSUFFICIENT_CREDITS spends nothing',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'A retry with the same key returns the original result.',
  })
  @ApiOkResponse({ type: ConsumeResultDto })
  @ApiErrors(400, 401, 409)
  @ApiInsufficientCredits()
  async consume(
    @CurrentUser() user: AuthUser,
    @Body() dto: ConsumeCreditsDto,
    @IdempotencyKey() key?: string,
  ): Promise<ConsumeResult> {
    const r = await this.consumer.consume(user.id, dto.amount, dto.reason, key);
    return {
      consumed: r.consumed,
      credits_remaining: r.credits_remaining,
      monthly_credits: r.monthly_credits,
      purchased_credits: r.purchased_credits,
      // A receipt stored before promotional credits existed has none.
      promotional_credits: r.promotional_credits ?? 0,
    };
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/users')
export class AdminCreditsController {
  constructor(private readonly grants: GrantsService) {}

  @Post(':id/credits')
  @ApiOperation({ summary: 'Adjust a user’s credits (admin; signed, audited in the ledger)' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: CreditBreakdownDto })
  @ApiErrors(400, 401, 403, 404, 409)
  @ApiInsufficientCredits('a negative adjustment larger than the bucket changes nothing')
  adjust(
    @CurrentUser() admin: AuthUser,
    @Param('id', UserRefPipe) userId: string,
    @Body() dto: AdjustCreditsDto,
    @IdempotencyKey() key?: string,
  ) {
    return this.grants.adjust({
      userId,
      bucket: dto.bucket,
      amount: dto.amount,
      note: dto.reason,
      actorId: admin.id,
      idempotencyKey: key,
    });
  }
}
