/** A user's features, or the plan they come from, changed (published in the transaction that derived them). */
export class EntitlementsChanged {
  constructor(
    readonly userId: string,
    readonly change: {
      features: Record<string, unknown>;
      previousFeatures: Record<string, unknown>;
      changedFeatures: string[];
      source: string;
      planLookupKey: string | null;
      previousPlanLookupKey: string | null;
      subscriptionId: string | null;
      subscriptionStatus: string | null;
      accessUntil: Date | null;
    },
  ) {}
}
