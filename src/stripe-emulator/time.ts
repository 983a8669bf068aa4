import type Stripe from 'stripe';
import type { Store } from './store';

export const DAY = 86_400;

export const realNow = (): number => Math.floor(Date.now() / 1000);

/** Current time for a customer: its test clock's frozen_time, or real time. */
export function nowForCustomer(store: Store, customerId: string | null | undefined): number {
  if (!customerId) return realNow();
  const customer = store.get<Stripe.Customer>(customerId);
  const clockId = typeof customer?.test_clock === 'string' ? customer.test_clock : undefined;
  if (!clockId) return realNow();
  return store.get<Stripe.TestHelpers.TestClock>(clockId)?.frozen_time ?? realNow();
}

/** Add `count` billing intervals to a unix timestamp (months clamp to the last day like Stripe). */
export function addInterval(ts: number, interval: string, count: number): number {
  const d = new Date(ts * 1000);
  switch (interval) {
    case 'day':
      return ts + count * DAY;
    case 'week':
      return ts + count * 7 * DAY;
    case 'year':
      return addMonths(d, 12 * count);
    default:
      return addMonths(d, count);
  }
}

function addMonths(d: Date, months: number): number {
  const day = d.getUTCDate();
  const target = new Date(
    Date.UTC(
      d.getUTCFullYear(),
      d.getUTCMonth() + months,
      1,
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
    ),
  );
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return Math.floor(target.getTime() / 1000);
}
