import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../common/decorators';
import { ApiErrors } from '../common/swagger';
import { AuditLogService } from './audit-log.service';
import { AuditLogPageDto, AuditLogQueryDto } from './dto/audit-log.dto';

@ApiTags('admin')
@ApiBearerAuth()
@Roles('admin', 'support')
@Controller('admin/audit-log')
export class AuditController {
  constructor(private readonly audit: AuditLogService) {}

  @Get()
  @ApiOperation({ summary: 'The audit log, newest first (admin, support): every admin and API-key write' })
  @ApiOkResponse({ type: AuditLogPageDto })
  @ApiErrors(400, 401, 403)
  page(@Query() q: AuditLogQueryDto): Promise<AuditLogPageDto> {
    return this.audit.page(q);
  }
}
