import type { Plan } from './plan.entity';

/** A subscription period's overage terms, as the credits module keeps them (LedgerService.setOveragePolicy). */
export interface OverageTerms {
  cap: number;
  currency: string;
  unitAmountDecimal: string;
  eventName: string;
}

/**
 * The overage terms a subscriber of `plan` paying in `currency` has: none without a plan, a plan without
 * overage, or a currency the overage price is not sold in.
 */
export function overageTerms(plan: Plan | null | undefined, currency: string | null): OverageTerms | null {
  const o = plan?.overage;
  const c = currency?.toLowerCase();
  if (!o || !c || o.unit_amount_decimal[c] === undefined) return null;
  return { cap: o.cap, currency: c, unitAmountDecimal: o.unit_amount_decimal[c], eventName: o.event_name };
}
