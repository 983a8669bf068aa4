export * from './auto-top-up.facts';
export * from './balance-thresholds';
export * from './billing.facts';
export * from './credit.facts';
export * from './entitlement.facts';
export * from './subscription.facts';

/**
 * The explicit order of blocking subscribers per fact (lower runs first). Outbound records what changed before
 * Entitlements derives from it, so a receiver sees subscription.* before the entitlements.updated it causes.
 */
export const SUBSCRIBER_ORDER = { outbound: 10, entitlements: 20, autoTopUp: 30 } as const;
