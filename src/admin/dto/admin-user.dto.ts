import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { CREDIT_REASONS, type CreditReason } from '../../common/facts/credit.facts';
import type { LedgerRow } from '../../credits/credit.types';
import { CreditBreakdownDto } from '../../credits/dto/consume-credits.dto';
import { LedgerEntryDto, LedgerQueryDto } from '../../credits/dto/ledger.dto';
import {
  NoSubscriptionDto,
  UserSubscriptionDto,
  type SubscriptionAnswer,
} from '../../payments/dto/subscription-response.dto';
import { IsNormalizedEmail } from '../../common/decorators/email.decorator';

/** GET /admin/users/{ref}/ledger: the page, and which rows it may hold. */
export class AdminLedgerQueryDto extends LedgerQueryDto {
  @ApiPropertyOptional({
    enum: CREDIT_REASONS,
    example: 'purchase',
    description: 'Only rows with this reason',
  })
  @IsOptional()
  @IsIn(CREDIT_REASONS)
  reason?: CreditReason;

  @ApiPropertyOptional({ example: '2026-12-01T00:00:00Z', description: 'Only rows created at or after this' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ example: '2026-12-02T00:00:00Z', description: 'Only rows created before this' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;
}

export class AdminUsersQueryDto {
  @ApiPropertyOptional({ example: 'ada@example.com', description: 'Exact email (either this or `q`)' })
  @ValidateIf((o: AdminUsersQueryDto) => o.q === undefined || o.email !== undefined)
  @IsNormalizedEmail()
  email?: string;

  @ApiPropertyOptional({
    example: 'cus_Q1w2e3',
    description: 'One term matched exactly against email, external id, Stripe customer id and Tollgate id',
  })
  @IsOptional()
  @IsString()
  @Length(1, 320)
  q?: string;

  @ApiPropertyOptional({ example: 50, default: 50, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit: number = 50;

  @ApiPropertyOptional({ description: 'next_cursor from the previous page' })
  @IsOptional()
  @IsUUID()
  cursor?: string;
}

export class AdminUserSummaryDto {
  @ApiProperty({ example: '5f0c6d1e-8c51-4a53-9d42-3a0f3c5a9b1e' }) id: string;
  @ApiProperty({ example: 'ada@example.com', nullable: true }) email: string | null;
  @ApiProperty({ example: 'user', enum: ['user', 'admin', 'support'] }) role: string;
  @ApiProperty({ example: 'https://idp.example.com/', nullable: true }) external_issuer: string | null;
  @ApiProperty({ example: 'user_2abc', nullable: true }) external_id: string | null;
  @ApiProperty({ example: {} }) metadata: Record<string, unknown>;
  @ApiProperty({ example: 'cus_Q1w2e3', nullable: true, description: 'The Stripe customer' })
  customer_id: string | null;
  @ApiProperty({ example: '2026-11-29T06:00:00.000Z' }) created_at: string;
}

export class AdminUserListDto {
  @ApiProperty({ type: [AdminUserSummaryDto] }) users: AdminUserSummaryDto[];
  @ApiProperty({ example: null, nullable: true, type: String, description: 'cursor of the next page' })
  next_cursor: string | null;
}

export class OpenCheckoutSessionDto {
  @ApiProperty({ example: 'cs_test_a1b2' }) session_id: string;
  @ApiProperty({ example: 'payment', enum: ['subscription', 'payment'] }) mode: string;
  @ApiProperty({ example: 'price_123' }) price_id: string;
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ example: '2026-11-29T06:00:00.000Z' }) created_at: string;
}

@ApiExtraModels(UserSubscriptionDto, NoSubscriptionDto)
export class AdminUserDetailDto {
  @ApiProperty({ type: AdminUserSummaryDto }) user: AdminUserSummaryDto;
  @ApiProperty({ type: CreditBreakdownDto }) credits: CreditBreakdownDto;
  @ApiProperty({ type: [LedgerEntryDto], description: 'The 20 newest ledger entries' })
  recent_ledger: LedgerRow[];
  @ApiProperty({
    example: '1022',
    nullable: true,
    type: String,
    description: 'More entries: GET /admin/users/{ref}/ledger?cursor=…',
  })
  ledger_next_cursor: string | null;
  @ApiProperty({
    description: 'As GET /payments/get-user-subscription answers for this user',
    oneOf: [{ $ref: getSchemaPath(UserSubscriptionDto) }, { $ref: getSchemaPath(NoSubscriptionDto) }],
  })
  subscription: SubscriptionAnswer;
  @ApiProperty({ type: [OpenCheckoutSessionDto] }) open_checkout_sessions: OpenCheckoutSessionDto[];
}
