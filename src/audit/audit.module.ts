import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';
import { AuditLogService } from './audit-log.service';

/** The audit log (`audit_log`): recorded for every admin and API-key write, read at GET /admin/audit-log. */
@Module({
  controllers: [AuditController],
  providers: [AuditLogService, { provide: APP_INTERCEPTOR, useClass: AuditInterceptor }],
})
export class AuditModule {}
