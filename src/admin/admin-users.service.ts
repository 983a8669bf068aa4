import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/errors';
import { CreditsService } from '../credits/credits.service';
import { CheckoutService } from '../payments/checkout.service';
import { SubscriptionManagementService } from '../payments/subscription-management.service';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import type { AdminUserDetailDto, AdminUserSummaryDto } from './dto/admin-user.dto';

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

  async search(email: string): Promise<{ users: AdminUserSummaryDto[] }> {
    return { users: (await this.users.findByEmail(email)).map(summary) };
  }

  /** By Tollgate id or external id; an external id two issuers share is 409 (ask by Tollgate id). */
  async detail(ref: string): Promise<AdminUserDetailDto> {
    const matches = await this.users.findByIdOrExternalId(ref);
    const user = matches.find((u) => u.id === ref) ?? (matches.length === 1 ? matches[0] : undefined);
    if (!user) {
      if (matches.length > 1) {
        throw new AppError(
          ErrorCode.Conflict,
          'Several issuers use this external id: ask by the Tollgate id.',
        );
      }
      throw new AppError(ErrorCode.UserNotFound);
    }
    const [credits, ledger, subscription, openSessions] = await Promise.all([
      this.credits.breakdown(user.id),
      this.credits.ledger(user.id, RECENT_LEDGER),
      this.subscriptions.describe(user.id),
      this.checkout.openSessions(user.id),
    ]);
    return {
      user: summary(user),
      credits,
      recent_ledger: ledger.entries,
      subscription: subscription.has_subscription ? subscription : null,
      open_checkout_sessions: openSessions,
    };
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
