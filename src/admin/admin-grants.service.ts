import { Inject, Injectable } from '@nestjs/common';
import type { AuthUser } from '../common/decorators';
import { AppError, ErrorCode } from '../common/errors';
import { consoleConfig, type ConsoleConfig } from '../config/console.config';
import { randomUUID } from 'node:crypto';
import type { CreditBreakdown } from '../credits/credit.types';
import { CreditsService } from '../credits/credits.service';
import { GrantBookService } from '../credits/grant-book.service';
import type { PromotionalGrantDto } from './dto/promotional-grant.dto';

/**
 * Promotional credits given by an operator: an admin without limit, a support user up to
 * CONSOLE_SUPPORT_GRANT_LIMIT per grant. A promotional grant (no expiry) through the credit engine's grant
 * book: a `grant` ledger row with the operator and the reason, once per Idempotency-Key.
 */
@Injectable()
export class AdminGrantsService {
  constructor(
    private readonly book: GrantBookService,
    private readonly credits: CreditsService,
    @Inject(consoleConfig.KEY) private readonly config: ConsoleConfig,
  ) {}

  async grant(
    actor: AuthUser,
    userId: string,
    dto: PromotionalGrantDto,
    idempotencyKey?: string,
  ): Promise<CreditBreakdown> {
    if (actor.role !== 'admin' && dto.amount > this.config.supportGrantLimit) {
      throw new AppError(ErrorCode.GrantLimitExceeded, undefined, { limit: this.config.supportGrantLimit });
    }
    await this.book.grant(
      userId,
      { amount: dto.amount, bucket: 'promotional', reason: dto.reason },
      { source: 'admin', actorId: actor.id, idempotencyKey: idempotencyKey ?? randomUUID() },
    );
    return this.credits.breakdown(userId);
  }
}
