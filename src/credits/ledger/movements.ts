import type { Balance, CreditBucket, CreditReason, PostingCause } from '../../common/facts/credit.facts';

/** Where a grant came from. */
export type GrantSource = 'purchase' | 'period' | 'admin' | 'api' | 'migration';

/** What every ledger row a movement writes says about itself. */
interface RowFields {
  reason: CreditReason;
  /** Unique per user; a movement whose key is in the ledger already is skipped (idempotency). */
  key: string;
  sourceType?: string;
  sourceId?: string;
  metadata?: Record<string, unknown>;
}

/** Credits enter the balance: a new grant and its ledger row. Skipped when the grant's key exists. */
export interface GrantMovement extends RowFields {
  kind: 'grant';
  /** The new grant's id, when the caller needs it before the posting (its fact names it). */
  id?: string;
  bucket: CreditBucket;
  amount: number;
  source: GrantSource;
  /** 0 (first) to 100 (last); every bucket defaults to 50, so the soonest expiry goes first. */
  priority?: number;
  expiresAt?: Date | null;
  grantSourceId?: string | null;
  note?: string | null;
}

/**
 * Credits leave in consumption order: live grants by priority, then soonest expiry, then oldest (optionally one
 * bucket only, optionally one grant first), one ledger row per grant touched: the first keyed `key`, the
 * next `key#2`, `key#3`… All or nothing (InsufficientCredits) unless `partial`, which takes what there is and
 * records `requested` and `shortfall` on the first row (a zero row when nothing was there).
 */
export interface TakeMovement extends RowFields {
  kind: 'take';
  amount: number;
  partial?: boolean;
  bucket?: CreditBucket;
  first?: string | null;
}

/** A grant ends (expiry or void): what remains of it leaves the balance, and it is marked as ended. */
export interface EndGrantMovement extends RowFields {
  kind: 'end_grant';
  grantId: string;
  end: 'expired' | 'voided';
  note?: string | null;
}

/**
 * Credits go back to the grant they came from (a refunded consume, a hold's unused part). A grant that has
 * ended meanwhile takes them back and loses them again in the same posting (a second row), so nothing revives.
 */
export interface ReturnMovement extends RowFields {
  kind: 'return';
  grantId: string;
  amount: number;
}

export type Movement = GrantMovement | TakeMovement | EndGrantMovement | ReturnMovement;

/** What a posting should do, decided from the locked balance: its cause, its movements, held credits' change. */
export interface PostingPlan {
  cause: PostingCause;
  movements: Movement[];
  /** Change of the held total (a hold placed: +amount; settled: −amount). */
  held?: number;
}

export type { Balance };
