import { createHash } from 'node:crypto';
import {
  CallHandler,
  ExecutionContext,
  Injectable,
  Logger,
  NestInterceptor,
  SetMetadata,
  UseInterceptors,
  applyDecorators,
} from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import { catchError, from, Observable, of, switchMap, throwError } from 'rxjs';
import type { AuthUser } from '../common/decorators';
import { AppError, ErrorCode } from '../common/errors';
import { ApiInsufficientCredits } from '../common/swagger';
import { createValidationPipe } from '../common/validation';
import { ConsumeService } from './consume.service';
import type { ConsumeReceipt } from './credit.types';

const CONSUMES_KEY = 'consumesCredits';

/** The same rule as the @IdempotencyKey() decorator, which a route interceptor cannot use. */
const IDEMPOTENCY_KEY = /^[\w.:-]{1,255}$/;

/** Scopes a client's key to one route, within consume_requests' 255 characters whatever the key's length. */
const routeKey = (route: string, key: string): string =>
  `route:${createHash('sha256').update(`${route}\n${key}`).digest('hex')}`;

/** Set on the request by the interceptor: what this request spent. */
export interface CreditsRequest {
  user: AuthUser;
  creditReceipt?: ConsumeReceipt;
  headers: Record<string, string | undefined>;
}

/**
 * Charges credits for a route, the spec's "consume_credit before the action" done safely: the credits are
 * reserved by a hold before the handler runs (402 INSUFFICIENT_CREDITS otherwise), captured when it succeeds,
 * released when it throws. An Idempotency-Key header makes a retried request spend only once.
 */
@Injectable()
export class ConsumesCreditsInterceptor implements NestInterceptor {
  private readonly logger = new Logger('ConsumesCredits');

  constructor(
    private readonly reflector: Reflector,
    private readonly credits: ConsumeService,
  ) {}

  private validateBody(context: ExecutionContext, req: CreditsRequest & { body?: unknown }): Promise<void> {
    return validateBodyOf(context, req.body);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const amount = this.reflector.get<number>(CONSUMES_KEY, context.getHandler());
    const req = context.switchToHttp().getRequest<CreditsRequest>();
    const reason = `${context.getClass().name}.${context.getHandler().name}`;
    const key = req.headers['idempotency-key'];
    if (key && !IDEMPOTENCY_KEY.test(key)) {
      return throwError(
        () =>
          new AppError(
            ErrorCode.ValidationFailed,
            'Idempotency-Key must be 1-255 characters of letters, digits, _ . : -',
          ),
      );
    }
    const scoped = key ? routeKey(reason, key) : undefined;
    const body = (req as { body?: unknown }).body;
    // Interceptors run before pipes: check the body first, so an invalid request costs nothing. With a key,
    // the body is part of the request's identity (another body with the same key is 409).
    return from(
      this.validateBody(context, req).then(() =>
        this.credits.reserveForAction(
          req.user.id,
          amount,
          reason,
          scoped,
          scoped ? fingerprint(body) : undefined,
        ),
      ),
    ).pipe(
      switchMap((receipt) => {
        if (receipt.replayed) {
          // The same key again: the action ran once; answer what it answered. Not stored yet means the first
          // request is still running (or died between charging and answering): never run the action twice.
          if (receipt.action !== undefined) return of(receipt.action);
          return throwError(() => new AppError(ErrorCode.IdempotencyKeyInProgress));
        }
        req.creditReceipt = receipt;
        return next.handle().pipe(
          // Captured before the answer leaves: a 2xx means the route's credits are spent.
          switchMap((response: unknown) =>
            from(this.credits.settleAction(req.user.id, receipt)).pipe(
              switchMap(() => (scoped ? from(this.remember(req.user.id, scoped, response)) : of(response))),
            ),
          ),
          catchError((err: unknown) =>
            from(
              // The handler's error is what the client gets, even if giving the credit back fails too:
              // that failure is logged loudly (credits:verify stays clean: nothing was half-written).
              this.credits.refundConsume(req.user.id, receipt).catch((refundErr: unknown) => {
                this.logger.error({ err: refundErr, operation: receipt.operation }, 'credit refund failed');
              }),
            ).pipe(switchMap(() => throwError(() => err))),
          ),
        );
      }),
    );
  }

  /** Stores the response for replays; the client still gets it if storing fails (a retry then sees 409). */
  private async remember(userId: string, key: string, response: unknown): Promise<unknown> {
    await this.credits.recordAction(userId, key, response).catch((err: unknown) => {
      this.logger.error({ err }, 'could not store the response of an idempotent action');
    });
    return response;
  }
}

/** A stable digest of the request body (key order included: a retry sends the same bytes). */
const fingerprint = (body: unknown): string =>
  createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('hex');

/** The handler's @Body() DTO, if any, validated with the app's own validation rules. */
async function validateBodyOf(context: ExecutionContext, body: unknown): Promise<void> {
  const handler = context.getHandler().name;
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler) ?? {}) as Record<
    string,
    { index: number; data?: string }
  >;
  const types = (Reflect.getMetadata('design:paramtypes', context.getClass().prototype, handler) ??
    []) as Array<new () => unknown>;
  for (const [k, arg] of Object.entries(args)) {
    if (Number(k.split(':')[0]) !== Number(RouteParamtypes.BODY) || arg.data) continue;
    await BODY_PIPE.transform(body, { type: 'body', metatype: types[arg.index] });
  }
}

const BODY_PIPE = createValidationPipe();

export const ConsumesCredits = (amount = 1) =>
  applyDecorators(
    SetMetadata(CONSUMES_KEY, amount),
    UseInterceptors(ConsumesCreditsInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Spend only once for retried requests.',
    }),
    ApiInsufficientCredits(`the route costs ${amount} credit(s), taken before it runs`),
  );
