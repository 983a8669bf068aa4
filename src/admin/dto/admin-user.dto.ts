import { ApiProperty } from '@nestjs/swagger';
import type { LedgerRow } from '../../credits/credit.types';
import { CreditBreakdownDto } from '../../credits/dto/consume-credits.dto';
import { LedgerEntryDto } from '../../credits/dto/ledger.dto';
import { UserSubscriptionDto } from '../../payments/dto/subscription-response.dto';
import { IsNormalizedEmail } from '../../common/decorators/email.decorator';

export class AdminUsersQueryDto {
  @ApiProperty({ example: 'ada@example.com' })
  @IsNormalizedEmail()
  email: string;
}

export class AdminUserSummaryDto {
  @ApiProperty({ example: '5f0c6d1e-8c51-4a53-9d42-3a0f3c5a9b1e' }) id: string;
  @ApiProperty({ example: 'ada@example.com', nullable: true }) email: string | null;
  @ApiProperty({ example: 'user', enum: ['user', 'admin'] }) role: string;
  @ApiProperty({ example: 'https://idp.example.com/', nullable: true }) external_issuer: string | null;
  @ApiProperty({ example: 'user_2abc', nullable: true }) external_id: string | null;
  @ApiProperty({ example: {} }) metadata: Record<string, unknown>;
  @ApiProperty({ example: 'cus_Q1w2e3', nullable: true, description: 'The Stripe customer' })
  customer_id: string | null;
  @ApiProperty({ example: '2026-11-29T06:00:00.000Z' }) created_at: string;
}

export class AdminUserListDto {
  @ApiProperty({ type: [AdminUserSummaryDto] }) users: AdminUserSummaryDto[];
}

export class OpenCheckoutSessionDto {
  @ApiProperty({ example: 'cs_test_a1b2' }) session_id: string;
  @ApiProperty({ example: 'payment', enum: ['subscription', 'payment'] }) mode: string;
  @ApiProperty({ example: 'price_123' }) price_id: string;
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ example: '2026-11-29T06:00:00.000Z' }) created_at: string;
}

export class AdminUserDetailDto {
  @ApiProperty({ type: AdminUserSummaryDto }) user: AdminUserSummaryDto;
  @ApiProperty({ type: CreditBreakdownDto }) credits: CreditBreakdownDto;
  @ApiProperty({ type: [LedgerEntryDto], description: 'The 20 newest ledger entries' })
  recent_ledger: LedgerRow[];
  @ApiProperty({ type: UserSubscriptionDto, nullable: true }) subscription: UserSubscriptionDto | null;
  @ApiProperty({ type: [OpenCheckoutSessionDto] }) open_checkout_sessions: OpenCheckoutSessionDto[];
}
