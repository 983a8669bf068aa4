/** The subscription mirror's fields a change is reported with. */
export interface SubscriptionState {
  status: string;
  planId: number | null;
  priceId: string | null;
  currency: string | null;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
  canceledAt: Date | null;
  endedAt: Date | null;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  trialEnd: Date | null;
}

/** created: first stored; canceled: it just ended; updated: a reported field changed. */
export interface SubscriptionChange {
  kind: 'created' | 'updated' | 'canceled';
  changedFields: Array<keyof SubscriptionState>;
}

/** What a user's access derives from: their live subscription (if any) and the newest Stripe read held. */
export interface SubscriptionBasis {
  live: { id: string; status: string; priceId: string | null; pastDueSince: Date | null } | null;
  version: number;
}

/**
 * The mirror stored a newer read of a subscription (published whenever the row was written, in the mirror's
 * transaction). `change` is null when no reported field changed. `readBasis` reads the user's subscriptions as
 * this transaction sees them, for a subscriber that must lock its own row first (entitlements).
 */
export class SubscriptionChanged {
  constructor(
    readonly userId: string,
    readonly subscriptionId: string,
    readonly before: SubscriptionState | null,
    readonly after: SubscriptionState,
    readonly change: SubscriptionChange | null,
    readonly readBasis: () => Promise<SubscriptionBasis>,
  ) {}
}
