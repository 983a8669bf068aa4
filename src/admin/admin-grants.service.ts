import { Inject, Injectable } from '@nestjs/common';
import type { AuthUser } from '../common/decorators';
import { AppError, ErrorCode } from '../common/errors';
import { consoleConfig, type ConsoleConfig } from '../config/console.config';
import type { CreditBreakdown } from '../credits/credit.types';
import { GrantsService } from '../credits/grants.service';
import type { PromotionalGrantDto } from './dto/promotional-grant.dto';

/**
 * Promotional credits given by an operator: an admin without limit, a support user up to
 * CONSOLE_SUPPORT_GRANT_LIMIT per grant. Posted through the ledger's operator adjustment (reason
 * `admin_adjustment`, the actor and the reason recorded), into the purchased bucket: kept until spent.
 */
@Injectable()
export class AdminGrantsService {
  constructor(
    private readonly grants: GrantsService,
    @Inject(consoleConfig.KEY) private readonly config: ConsoleConfig,
  ) {}

  grant(
    actor: AuthUser,
    userId: string,
    dto: PromotionalGrantDto,
    idempotencyKey?: string,
  ): Promise<CreditBreakdown> {
    if (actor.role !== 'admin' && dto.amount > this.config.supportGrantLimit) {
      throw new AppError(ErrorCode.GrantLimitExceeded, undefined, { limit: this.config.supportGrantLimit });
    }
    return this.grants.adjust({
      userId,
      bucket: 'purchased',
      amount: dto.amount,
      note: dto.reason,
      actorId: actor.id,
      idempotencyKey,
    });
  }
}
