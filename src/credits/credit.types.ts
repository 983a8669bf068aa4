import type { CreditBucket, CreditReason } from '../common/facts/credit.facts';

export type { CreditBucket, CreditReason };

/** Credits that expire at one time, soonest first. */
export interface ExpiringCredits {
  amount: number;
  expires_at: string;
}

export interface CreditBreakdown {
  monthly_credits: number;
  purchased_credits: number;
  promotional_credits: number;
  /** monthly + purchased + promotional (held credits are out of the total). */
  total_credits: number;
  /** Reserved by open holds: out of every bucket until captured or returned. */
  held_credits: number;
  expiring: ExpiringCredits[];
  overage: CreditOverage;
}

/** The current billing period's overage (past the balance, up to the cap); all zero and null without a policy. */
export interface CreditOverage {
  /** A policy whose period has not ended. */
  enabled: boolean;
  /** Overage credits the period has used. */
  used: number;
  /** The cap in force: the user's own, else the plan's (null when not enabled). */
  cap: number | null;
  period_end: string | null;
  /** Minor units: round(used × unit_amount_decimal), a half up. */
  amount_due: number;
  currency: string | null;
}

/** The overage of a user without a policy whose period has not ended (documented in docs/http-api.md). */
export const NO_OVERAGE: Readonly<CreditOverage> = Object.freeze({
  enabled: false,
  used: 0,
  cap: null,
  period_end: null,
  amount_due: 0,
  currency: null,
});

export interface ConsumeResult {
  consumed: number;
  credits_remaining: number;
  monthly_credits: number;
  purchased_credits: number;
  promotional_credits: number;
}

/** Internal: how a consume split across buckets (for refunds of a failed in-app action). */
export interface ConsumeReceipt extends ConsumeResult {
  operation: string;
  from_monthly: number;
  from_purchased: number;
  from_promotional: number;
  /** True when an Idempotency-Key retry returned an earlier request's receipt (nothing was spent now). */
  replayed?: boolean;
  /** @ConsumesCredits routes: the hold that reserves the route's credits until the action settles. */
  hold_id?: string;
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
  grant_id: string | null;
  idempotency_key: string;
  metadata: Record<string, unknown>;
  created_at: Date;
}
