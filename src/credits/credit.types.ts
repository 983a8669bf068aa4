import type { CreditBucket, CreditReason } from '../common/facts/credit.facts';

export type { CreditBucket, CreditReason };

export interface CreditBreakdown {
  monthly_credits: number;
  purchased_credits: number;
  total_credits: number;
}

export interface ConsumeResult {
  consumed: number;
  credits_remaining: number;
  monthly_credits: number;
  purchased_credits: number;
}

/** Internal: how a consume split across buckets (for refunds of a failed in-app action). */
export interface ConsumeReceipt extends ConsumeResult {
  operation: string;
  from_monthly: number;
  from_purchased: number;
  /** True when an Idempotency-Key retry returned an earlier request's receipt (nothing was spent now). */
  replayed?: boolean;
  /** @ConsumesCredits routes: the handler's response, stored once it succeeded, replayed for the same key. */
  action?: unknown;
}

export interface LedgerRow {
  id: string;
  user_id: string;
  bucket: CreditBucket;
  amount: number;
  balance_after: number;
  reason: CreditReason;
  source_type: string | null;
  source_id: string | null;
  idempotency_key: string;
  metadata: Record<string, unknown>;
  created_at: Date;
}
