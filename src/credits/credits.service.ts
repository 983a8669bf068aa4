import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors';
import type { CreditBreakdown, LedgerRow } from './credit.types';
import {
  LedgerFilter,
  LedgerMismatch,
  readBreakdown,
  readLedgerPage,
  verifyLedger,
} from './ledger/ledger-queries';
import { currentPeriodStart, readUsage, type UsageGroupBy, type UsageSums } from './ledger/usage-queries';

export { CONSUME_SQL, type ConsumeSqlRow } from './ledger/consume-sql';
export { verifyLedger, type LedgerFilter, type LedgerMismatch } from './ledger/ledger-queries';

/** A usage statement: the range it covers (ISO instants), how it is grouped, and the ledger's sums. */
export interface UsageStatement extends UsageSums {
  from: string;
  to: string;
  group_by: UsageGroupBy;
  /** The currency overage amounts are in (null without overage, or with several). */
  currency: string | null;
}

const DAY_MS = 86_400_000;
/** The range a statement covers when only `to` is given, or without a period. */
const DEFAULT_DAYS = 30;
/** The longest range a caller may ask for. */
const MAX_DAYS = 366;
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 0, 1);

/**
 * What a user's credits are: the balance by bucket, the ledger (paged) and the integrity check. Read-only;
 * credits move through ConsumeService (spending) and GrantsService (everything else), both posting through
 * the ledger (LedgerService, the only writer).
 */
@Injectable()
export class CreditsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  breakdown(userId: string): Promise<CreditBreakdown> {
    return readBreakdown(this.db.manager, userId);
  }

  /** Newest first; the cursor is the last id seen. */
  ledger(
    userId: string,
    limit: number,
    before?: string,
    filter?: LedgerFilter,
  ): Promise<{ entries: LedgerRow[]; next_cursor: string | null }> {
    return readLedgerPage(this.db.manager, userId, limit, before, filter);
  }

  /**
   * What the user spent in a range, grouped by UTC day, reason or grant, summed by the database from the ledger
   * (see readUsage). Without `from` and `to`: the current billing period up to now, or the last 30 days. `from`
   * alone runs until now; `to` alone covers the 30 days before it. 400 INVALID_USAGE_RANGE when from is not
   * before to or the range is longer than 366 days.
   */
  async usage(
    userId: string,
    q: { from?: string; to?: string; group_by: UsageGroupBy },
  ): Promise<UsageStatement> {
    const range = await this.usageRange(userId, q.from, q.to);
    const sums = await readUsage(this.db.manager, userId, range, q.group_by);
    return {
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      group_by: q.group_by,
      currency: sums.overage.currency,
      ...sums,
    };
  }

  private async usageRange(userId: string, from?: string, to?: string): Promise<{ from: Date; to: Date }> {
    const now = new Date();
    if (from === undefined && to === undefined) {
      const start = await currentPeriodStart(this.db.manager, userId);
      return { from: start ?? new Date(now.getTime() - DEFAULT_DAYS * DAY_MS), to: now };
    }
    const end = to === undefined ? now : new Date(to);
    const start = from === undefined ? new Date(end.getTime() - DEFAULT_DAYS * DAY_MS) : new Date(from);
    // Bounded so every instant (and 30 days before `to`) is one the database and toISOString both take.
    const sane = (d: Date) => d.getTime() >= EARLIEST && d.getTime() < LATEST;
    if (!sane(start) || !sane(end))
      throw new AppError(ErrorCode.ValidationFailed, 'from and to must be instants from 1970 to 9998.');
    if (start >= end)
      throw new AppError(ErrorCode.InvalidUsageRange, `from (${start.toISOString()}) must be before to.`);
    if (end.getTime() - start.getTime() > MAX_DAYS * DAY_MS)
      throw new AppError(ErrorCode.InvalidUsageRange, `A usage statement covers at most ${MAX_DAYS} days.`);
    return { from: start, to: end };
  }

  /** Recomputes every balance from the ledger; returns the users whose cached balance disagrees. */
  verify(): Promise<LedgerMismatch[]> {
    return verifyLedger(this.db.manager);
  }
}
