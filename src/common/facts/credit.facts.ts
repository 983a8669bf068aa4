export type CreditBucket = 'monthly' | 'purchased' | 'promotional';

export const CREDIT_BUCKETS: readonly CreditBucket[] = ['monthly', 'purchased', 'promotional'];

/** Every reason a ledger row can have (the admin ledger filter accepts these). */
export const CREDIT_REASONS = [
  'subscription_grant',
  'period_reset',
  'period_expiry',
  'purchase',
  'consume',
  'consume_refund',
  'refund_clawback',
  'dispute_clawback',
  'dispute_reversal',
  'subscription_ended',
  'admin_adjustment',
  'grant',
  'grant_void',
  'grant_expiry',
  'hold',
  'hold_return',
] as const;

export type CreditReason = (typeof CREDIT_REASONS)[number];

/** A user's balance by bucket, and what open holds keep aside (out of the total). */
export interface Balance {
  monthly: number;
  purchased: number;
  promotional: number;
  held: number;
}

/** The spendable total: monthly + purchased + promotional (held credits are out of it). */
export const totalOf = (b: Readonly<Balance>): number => b.monthly + b.purchased + b.promotional;

/**
 * What a consume took past the balance as overage (only on a consume that took some): this consume's overage
 * credits, the period's overage after it, the cap in force, and the period it counts in.
 */
export interface ConsumedOverage {
  taken: number;
  used: number;
  cap: number;
  periodStart: Date;
  periodEnd: Date;
}

/** Why a posting happened: what the outbound reactions and logs need to say about it, typed per kind. */
export type PostingCause =
  | { kind: 'consume'; amount: number; reason: string; operation: string; overage?: ConsumedOverage }
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
  | { kind: 'adjustment'; actorId: string; note: string }
  | { kind: 'grant'; grantId: string; source: 'admin' | 'api'; actorId: string | null; note: string }
  | { kind: 'void'; grantId: string; actorId: string | null; note: string }
  | { kind: 'expiry'; grantIds: string[] }
  | { kind: 'hold'; holdId: string; amount: number; reason: string }
  | {
      kind: 'hold_settled';
      holdId: string;
      status: 'captured' | 'released' | 'expired';
      captured: number;
      returned: number;
    };

/** One ledger row a posting appended. */
export interface PostedMovement {
  bucket: CreditBucket;
  /** The grant this row moved (null only for a zero row that marks an operation as done). */
  grantId: string | null;
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

/** A live grant will expire within the configured lead time (published once per grant by the expiry job). */
export class CreditsExpiringSoon {
  constructor(
    readonly userId: string,
    readonly grantId: string,
    readonly bucket: CreditBucket,
    readonly amount: number,
    readonly expiresAt: Date,
  ) {}
}
