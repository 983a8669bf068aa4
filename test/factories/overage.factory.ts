import { randomUUID } from 'node:crypto';
import { LedgerService, type OveragePolicy } from '../../src/credits/ledger/ledger.service';
import type { TestApp } from '../support/test-app';
import { registerUser, TestUser } from './user.factory';

const DAY_MS = 86_400_000;

/** An overage policy whose period started `startDaysAgo` days ago and ends in 29 days (usd, 0.02 per credit). */
export const overagePolicy = (
  cap: number,
  over: Partial<OveragePolicy> = {},
  startDaysAgo = 1,
): OveragePolicy => ({
  periodStart: new Date(Date.now() - startDaysAgo * DAY_MS),
  periodEnd: new Date(Date.now() + 29 * DAY_MS),
  cap,
  currency: 'usd',
  unitAmountDecimal: '0.02',
  eventName: 'tollgate_credits',
  ...over,
});

/** A new user holding `credits` purchased credits (granted by `admin`), with the overage policy `p` (or none). */
export async function overageSubscriber(
  t: TestApp,
  admin: TestUser,
  credits: number,
  p: OveragePolicy | null,
): Promise<TestUser> {
  const user = await registerUser(t);
  if (credits > 0)
    await t
      .http()
      .post(`/admin/users/${user.id}/grants`)
      .set({ ...admin.auth, 'Idempotency-Key': randomUUID() })
      .send({ amount: credits, bucket: 'purchased', reason: 'overage test' })
      .expect(201);
  const ledger = t.app.get(LedgerService);
  await t.dataSource.transaction((m) => ledger.setOveragePolicy(m, user.id, p));
  return user;
}
