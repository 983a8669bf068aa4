import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { CreditBreakdown, LedgerRow } from './credit.types';
import {
  LedgerFilter,
  LedgerMismatch,
  readBreakdown,
  readLedgerPage,
  verifyLedger,
} from './ledger/ledger-queries';

export { CONSUME_SQL, type ConsumeSqlRow } from './ledger/consume-sql';
export { verifyLedger, type LedgerFilter, type LedgerMismatch } from './ledger/ledger-queries';

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

  /** Recomputes every balance from the ledger; returns the users whose cached balance disagrees. */
  verify(): Promise<LedgerMismatch[]> {
    return verifyLedger(this.db.manager);
  }
}
