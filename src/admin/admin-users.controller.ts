import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/decorators';
import { ApiErrors } from '../common/swagger';
import { LedgerPageDto, LedgerQueryDto } from '../credits/dto/ledger.dto';
import { UserRefPipe } from '../users/user-ref.pipe';
import { AdminUsersService } from './admin-users.service';
import { AdminUserDetailDto, AdminUserListDto, AdminUsersQueryDto } from './dto/admin-user.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

  @Get()
  @ApiOperation({
    summary: 'Find users (admin): by email, or by one term (email, external id, customer id, id)',
  })
  @ApiOkResponse({ type: AdminUserListDto })
  @ApiErrors(400, 401, 403)
  search(@Query() q: AdminUsersQueryDto): Promise<AdminUserListDto> {
    return this.users.search(q.q ?? q.email ?? '', q.limit, q.cursor);
  }

  @Get(':ref')
  @ApiOperation({
    summary: 'One user by Tollgate id or external id (admin)',
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
  @ApiOperation({ summary: "One user's ledger, newest first, paged by cursor (admin)" })
  @ApiOkResponse({ type: LedgerPageDto })
  @ApiErrors(400, 401, 403, 404, 409)
  ledger(@Param('ref', UserRefPipe) userId: string, @Query() q: LedgerQueryDto) {
    return this.users.ledger(userId, q.limit, q.cursor);
  }
}
