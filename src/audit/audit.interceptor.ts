import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { from, Observable, switchMap } from 'rxjs';
import { REQUIRED_SCOPE_KEY, type AuthUser, type ScopeRule } from '../common/decorators';
import { AuditLogService } from './audit-log.service';

interface AuditedRequest {
  id?: string;
  method: string;
  routeOptions?: { url?: string };
  params?: Record<string, string>;
  body?: unknown;
  user?: AuthUser;
  apiKey?: { id: string; name: string };
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Every write an admin makes, and every write made with an API key, becomes an audit_log row once it succeeded
 * (a refused request changed nothing): who (the admin, or the key), what (method and route template), on what
 * (the route's parameters), why (the body's `reason`), the request id and the status. Reads are not audited,
 * nor is spending (routes opened with the `credits:consume` scope): every consume is a ledger row already, and
 * the metering hot path must not pay for a second write.
 * The action has committed by then: a failure to record it is logged at error level with the request id (the
 * client still gets the action's answer, so a retry cannot repeat a committed grant).
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly audit: AuditLogService,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<AuditedRequest>();
    const actor = req.apiKey
      ? { actorType: 'api_key' as const, actorId: req.apiKey.id, actorLabel: req.apiKey.name }
      : req.user?.role === 'admin' || req.user?.role === 'support'
        ? { actorType: 'user' as const, actorId: req.user.id, actorLabel: req.user.email }
        : null;
    if (!actor || READS.has(req.method)) return next.handle();
    const rule = this.reflector.getAllAndOverride<ScopeRule | undefined>(REQUIRED_SCOPE_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (rule?.scope === 'credits:consume') return next.handle();
    return next.handle().pipe(
      switchMap((response: unknown) =>
        from(
          (async () => {
            const status = context.switchToHttp().getResponse<{ statusCode: number }>().statusCode;
            const reason = (req.body as { reason?: unknown } | undefined)?.reason;
            await this.audit
              .record({
                ...actor,
                action: `${req.method} ${req.routeOptions?.url ?? ''}`,
                target: req.params ?? {},
                reason: typeof reason === 'string' ? reason : null,
                requestId: req.id ?? null,
                status,
              })
              .catch((err: unknown) => {
                this.logger.error({ err, request_id: req.id }, 'could not record an audited action');
              });
            return response;
          })(),
        ),
      ),
    );
  }
}
