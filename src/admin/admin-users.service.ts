import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/errors';
import { CreditsService, type LedgerFilter, type UsageStatement } from '../credits/credits.service';
import type { UsageQueryDto } from '../credits/dto/usage.dto';
import type { LedgerRow } from '../credits/credit.types';
import { CheckoutService } from '../payments/checkout.service';
import { SubscriptionManagementService } from '../payments/subscription-management.service';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import type { AdminUserDetailDto, AdminUserListDto, AdminUserSummaryDto } from './dto/admin-user.dto';

const RECENT_LEDGER = 20;

/** Operators' reads over one user, through each table's owning service (no SQL across modules). */
@Injectable()
export class AdminUsersService {
  constructor(
    private readonly users: UsersService,
    private readonly credits: CreditsService,
    private readonly subscriptions: SubscriptionManagementService,
    private readonly checkout: CheckoutService,
  ) {}

  async search(term: string, limit: number, cursor?: string): Promise<AdminUserListDto> {
    const page = await this.users.search(term, limit, cursor);
    return { users: page.users.map(summary), next_cursor: page.next_cursor };
  }

  /** `userId` is resolved from the operator's reference by UserRefPipe. */
  async detail(userId: string): Promise<AdminUserDetailDto> {
    const [user, credits, ledger, subscription, openSessions] = await Promise.all([
      this.users.getById(userId),
      this.credits.breakdown(userId),
      this.credits.ledger(userId, RECENT_LEDGER),
      this.subscriptions.describe(userId),
      this.checkout.openSessions(userId),
    ]);
    return {
      user: summary(user),
      credits,
      recent_ledger: ledger.entries,
      ledger_next_cursor: ledger.next_cursor,
      subscription,
      open_checkout_sessions: openSessions,
    };
  }

  ledger(
    userId: string,
    limit: number,
    cursor?: string,
    filter: LedgerFilter = {},
  ): Promise<{ entries: LedgerRow[]; next_cursor: string | null }> {
    if (filter.since && filter.until && filter.since >= filter.until) {
      throw new AppError(ErrorCode.ValidationFailed, 'since must be before until.');
    }
    return this.credits.ledger(userId, limit, cursor, filter);
  }

  usage(userId: string, q: UsageQueryDto): Promise<UsageStatement> {
    return this.credits.usage(userId, q);
  }
}

function summary(u: User): AdminUserSummaryDto {
  return {
    id: u.id,
    email: u.email,
    role: u.role,
    external_issuer: u.externalIssuer,
    external_id: u.externalId,
    metadata: u.metadata,
    customer_id: u.customerId,
    created_at: u.createdAt.toISOString(),
  };
}
