import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentUser, IdempotencyKey, Roles, type AuthUser } from '../common/decorators';
import { ApiErrors } from '../common/swagger';
import { CreditBreakdownDto } from '../credits/dto/consume-credits.dto';
import { LedgerPageDto } from '../credits/dto/ledger.dto';
import { ApiUsageStatement, USAGE_DESCRIPTION, UsageQueryDto } from '../credits/dto/usage.dto';
import { usageAnswer } from '../credits/usage-csv';
import { UserRefPipe } from '../users/user-ref.pipe';
import { AdminGrantsService } from './admin-grants.service';
import { AdminUsersService } from './admin-users.service';
import { PromotionalGrantDto } from './dto/promotional-grant.dto';
import {
  AdminLedgerQueryDto,
  AdminUserDetailDto,
  AdminUserListDto,
  AdminUsersQueryDto,
} from './dto/admin-user.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin', 'support')
@Controller('admin/users')
export class AdminUsersController {
  constructor(
    private readonly users: AdminUsersService,
    private readonly grants: AdminGrantsService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Find users (admin, support): by email, or by one term (email, external id, customer id, id)',
  })
  @ApiOkResponse({ type: AdminUserListDto })
  @ApiErrors(400, 401, 403)
  search(@Query() q: AdminUsersQueryDto): Promise<AdminUserListDto> {
    return this.users.search(q.q ?? q.email ?? '', q.limit, q.cursor);
  }

  @Get(':ref')
  @ApiOperation({
    summary: 'One user by Tollgate id or external id (admin, support)',
    description:
      'Balance breakdown, the 20 newest ledger entries (more: the ledger route), subscription, Stripe customer, ' +
      'open checkouts.',
  })
  @ApiOkResponse({ type: AdminUserDetailDto })
  @ApiErrors(400, 401, 403, 404, 409)
  detail(@Param('ref', UserRefPipe) userId: string): Promise<AdminUserDetailDto> {
    return this.users.detail(userId);
  }

  @Get(':ref/ledger')
  @ApiOperation({
    summary: "One user's ledger, newest first, paged by cursor, filtered by reason and date (admin, support)",
  })
  @ApiOkResponse({ type: LedgerPageDto })
  @ApiErrors(400, 401, 403, 404, 409)
  ledger(@Param('ref', UserRefPipe) userId: string, @Query() q: AdminLedgerQueryDto) {
    return this.users.ledger(userId, q.limit, q.cursor, {
      reason: q.reason,
      since: q.since ? new Date(q.since) : undefined,
      until: q.until ? new Date(q.until) : undefined,
    });
  }

  @Get(':ref/usage')
  @ApiOperation({
    summary: "One user's usage statement: credits spent by day, reason or grant (admin, support)",
    description: USAGE_DESCRIPTION,
  })
  @ApiUsageStatement()
  @ApiErrors(400, 401, 403, 404, 409)
  async usage(
    @Param('ref', UserRefPipe) userId: string,
    @Query() q: UsageQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return usageAnswer(reply, await this.users.usage(userId, q), q.format);
  }

  @Post(':ref/promotional-credits')
  @ApiOperation({
    summary: 'Give promotional credits (admin; support up to CONSOLE_SUPPORT_GRANT_LIMIT per grant)',
    description:
      'Recorded in the ledger as admin_adjustment with the operator and the reason, and in the audit log.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiCreatedResponse({ type: CreditBreakdownDto })
  @ApiErrors(400, 401, 403, 404, 409)
  promotional(
    @CurrentUser() actor: AuthUser,
    @Param('ref', UserRefPipe) userId: string,
    @Body() dto: PromotionalGrantDto,
    @IdempotencyKey() key?: string,
  ) {
    return this.grants.grant(actor, userId, dto, key);
  }
}
