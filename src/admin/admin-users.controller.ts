import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/decorators';
import { ApiErrors } from '../common/swagger';
import { AdminUsersService } from './admin-users.service';
import { AdminUserDetailDto, AdminUserListDto, AdminUsersQueryDto } from './dto/admin-user.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin')
@Controller('admin/users')
export class AdminUsersController {
  constructor(private readonly users: AdminUsersService) {}

  @Get()
  @ApiOperation({ summary: 'Find users by email (admin): local and external accounts' })
  @ApiOkResponse({ type: AdminUserListDto })
  @ApiErrors(400, 401, 403)
  search(@Query() q: AdminUsersQueryDto): Promise<AdminUserListDto> {
    return this.users.search(q.email);
  }

  @Get(':ref')
  @ApiOperation({
    summary: 'One user by Tollgate id or external id (admin)',
    description:
      'Balance breakdown, the 20 newest ledger entries, subscription, Stripe customer, open checkouts.',
  })
  @ApiOkResponse({ type: AdminUserDetailDto })
  @ApiErrors(401, 403, 404, 409)
  detail(@Param('ref') ref: string): Promise<AdminUserDetailDto> {
    return this.users.detail(ref);
  }
}
