import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  getSchemaPath,
} from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, Matches } from 'class-validator';

export const USAGE_GROUPS = ['day', 'reason', 'grant'] as const;
export const USAGE_FORMATS = ['json', 'csv'] as const;

/** The OpenAPI description of a usage statement route (the caller's, an API key's, an operator's). */
export const USAGE_DESCRIPTION =
  'Spending from the ledger, summed by the database: count = operations (a consume or hold touching two ' +
  'grants is one), credits = spent net of what holds returned (a released hold counts 0). Without from and to: ' +
  'the current billing period up to now, else the last 30 days. format=csv: the groups as text/csv.';

/** An instant: a date (UTC midnight) or a date-time with its zone (`Z` or an offset), never a local time. */
const INSTANT = /^\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2}))?$/;
const INSTANT_MESSAGE = '$property must be an ISO 8601 date, or a date-time with Z or an offset';

/** GET /credits/usage and GET /admin/users/{ref}/usage. */
export class UsageQueryDto {
  @ApiPropertyOptional({
    example: '2026-12-01T00:00:00Z',
    description:
      'Start (inclusive). Without from and to: the current billing period, or the last 30 days. Alone: until now.',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(INSTANT, { message: INSTANT_MESSAGE })
  from?: string;

  @ApiPropertyOptional({
    example: '2027-01-01T00:00:00Z',
    description: 'End (exclusive). Alone: the 30 days before it. At most 366 days after from.',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  @Matches(INSTANT, { message: INSTANT_MESSAGE })
  to?: string;

  @ApiPropertyOptional({
    enum: USAGE_GROUPS,
    default: 'day',
    description: 'UTC days, consume reasons or grants',
  })
  @IsOptional()
  @IsIn(USAGE_GROUPS)
  group_by: (typeof USAGE_GROUPS)[number] = 'day';

  @ApiPropertyOptional({ enum: USAGE_FORMATS, default: 'json', description: 'csv: one row per group' })
  @IsOptional()
  @IsIn(USAGE_FORMATS)
  format: (typeof USAGE_FORMATS)[number] = 'json';
}

export class UsageGroupDto {
  @ApiProperty({ example: '2026-12-03', description: 'The UTC day (YYYY-MM-DD), the reason or the grant id' })
  key: string;
  @ApiPropertyOptional({ example: 'purchased', description: 'group_by=grant only: the grant’s bucket' })
  bucket?: string;
  @ApiProperty({ example: 12, description: 'Spending operations (a consume or hold, however many grants)' })
  count: number;
  @ApiProperty({ example: 140, description: 'Credits spent: taken, net of what holds returned' })
  credits: number;
  @ApiProperty({ example: 0, description: 'Credits spent past the balance (overage)' })
  overage_credits: number;
  @ApiProperty({ example: 0, description: 'Their price in minor units' })
  overage_amount: number;
}

export class UsageTotalsDto {
  @ApiProperty({ example: 140, description: 'Credits spent in the range' }) consumed: number;
  @ApiProperty({ example: 12, description: 'Spending operations in the range' }) count: number;
  @ApiProperty({ example: 500, description: 'Credits that entered the balance in the range' })
  granted: number;
}

export class UsageCurrencyDto {
  @ApiProperty({ example: 'usd' }) currency: string;
  @ApiProperty({ example: 0 }) credits: number;
  @ApiProperty({ example: 0 }) amount_due: number;
}

export class UsageOverageDto {
  @ApiProperty({ example: 0 }) credits: number;
  @ApiProperty({
    example: 0,
    nullable: true,
    type: Number,
    description: 'Minor units, rounded once; null when the overage is in several currencies',
  })
  amount_due: number | null;
  @ApiProperty({ example: 'usd', nullable: true, type: String }) currency: string | null;
  @ApiProperty({ type: [UsageCurrencyDto] }) by_currency: UsageCurrencyDto[];
}

export class UsageStatementDto {
  @ApiProperty({ example: '2026-12-01T00:00:00.000Z' }) from: string;
  @ApiProperty({ example: '2027-01-01T00:00:00.000Z' }) to: string;
  @ApiProperty({ enum: USAGE_GROUPS, example: 'day' }) group_by: string;
  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description: 'The currency of overage amounts (null without overage)',
  })
  currency: string | null;
  @ApiProperty({ type: UsageTotalsDto }) totals: UsageTotalsDto;
  @ApiProperty({ type: [UsageGroupDto] }) groups: UsageGroupDto[];
  @ApiProperty({ type: UsageOverageDto }) overage: UsageOverageDto;
}

/** The 200 of a usage route: the statement as JSON, or its groups as CSV (format=csv). */
export const ApiUsageStatement = () =>
  applyDecorators(
    ApiExtraModels(UsageStatementDto),
    ApiOkResponse({
      description: 'The statement (format=json), or its groups as a CSV attachment (format=csv).',
      content: {
        'application/json': { schema: { $ref: getSchemaPath(UsageStatementDto) } },
        'text/csv': {
          schema: { type: 'string' },
          example: 'day,count,credits,overage_credits,overage_amount\r\n2026-12-03,12,140,0,0\r\n',
        },
      },
    }),
  );
