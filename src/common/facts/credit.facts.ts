export type CreditBucket = 'monthly' | 'purchased';

export type CreditReason =
  | 'subscription_grant'
  | 'period_reset'
  | 'period_expiry'
  | 'purchase'
  | 'consume'
  | 'consume_refund'
  | 'refund_clawback'
  | 'dispute_clawback'
  | 'dispute_reversal'
  | 'subscription_ended'
  | 'admin_adjustment';

/** A user's balance by bucket. */
export interface Balance {
  monthly: number;
  purchased: number;
}

export const totalOf = (b: Readonly<Balance>): number => b.monthly + b.purchased;

/** Why a posting happened: what the outbound reactions and logs need to say about it, typed per kind. */
export type PostingCause =
  | { kind: 'consume'; amount: number; reason: string; operation: string }
  | { kind: 'consume_refund'; operation: string }
  | {
      kind: 'purchase';
      checkoutSessionId: string;
      packageId: number | null;
      paymentIntentId: string | null;
      amountTotal: number;
    }
  | { kind: 'period'; subscriptionId: string; periodStart: string; first: boolean; allowance: number }
  | { kind: 'subscription_ended'; subscriptionId: string }
  | {
      kind: 'clawback';
      reason: 'refund_clawback' | 'dispute_clawback';
      requested: number;
      sourceType: string;
      sourceId: string;
    }
  | { kind: 'dispute_reversal'; disputeId: string }
  | { kind: 'adjustment'; actorId: string; note: string };

/** One ledger row a posting appended. */
export interface PostedMovement {
  bucket: CreditBucket;
  amount: number;
  reason: CreditReason;
  key: string;
  sourceType: string | null;
  sourceId: string | null;
  metadata: Record<string, unknown>;
}

/**
 * The fact every ledger posting publishes, the consume hot path included: who, why, the balance before the
 * posting and after it, and the rows it appended (none when every key had been applied already). Balance
 * alerts (credits.low / credits.depleted) are one comparison of `before` and `after`, for every debit path;
 * a renewal's expiry and new allowance are one posting, so it never looks like a drop.
 */
export class CreditsPosted {
  constructor(
    readonly userId: string,
    readonly cause: PostingCause,
    readonly before: Readonly<Balance>,
    readonly after: Readonly<Balance>,
    readonly movements: readonly PostedMovement[],
  ) {}

  get totalBefore(): number {
    return totalOf(this.before);
  }

  get totalAfter(): number {
    return totalOf(this.after);
  }
}
