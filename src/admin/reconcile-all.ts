import type { ReconcileResult, SubscriptionReconciler } from '../payments/subscription-reconciler.service';
import type { AutoTopUpService, TopUpReconcileResult } from '../spend-controls/auto-top-up.service';

/** Subscriptions and auto top-ups together: exit 2 while either has something left unresolved. */
export type FullReconcileResult = ReconcileResult & { top_ups: TopUpReconcileResult };

/**
 * `stripe:reconcile` (the CLI and POST /admin/stripe/reconcile): the subscriptions, then the auto top-up
 * payments Stripe charged that were never granted (each service holds its own logic).
 */
export async function reconcileAll(
  subscriptions: SubscriptionReconciler,
  topUps: AutoTopUpService,
  opts: { fix?: boolean } = {},
): Promise<FullReconcileResult> {
  const subs = await subscriptions.reconcile(opts);
  const top_ups = await topUps.reconcile(opts);
  const pending = opts.fix ? top_ups.unresolved : top_ups.missing;
  return { ...subs, top_ups, exitCode: subs.exitCode === 0 && pending.length === 0 ? 0 : 2 };
}
