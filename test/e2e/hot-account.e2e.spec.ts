import { randomUUID } from 'node:crypto';
import { CreditsService } from '../../src/credits/credits.service';
import { LedgerService } from '../../src/credits/ledger/ledger.service';
import { TollgateMetrics } from '../../src/metrics/metrics.service';
import { registerUser, TestUser } from '../factories/user.factory';
import { credits } from '../support/stripe-helpers';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * One hot account: a user's concurrent consumes share one statement (CONSUME_BATCH_SQL decides them in arrival
 * order), and the outcome is exactly what running them one after the other would give — a request that does
 * not fit is refused while a later smaller one may still fit, each taken request has its own ledger rows,
 * balance and receipt, usage limits count the requests before.
 */
describe('hot account: one user, many consumes in one statement (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  let ledger: LedgerService;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await registerUser(t, 'admin@tollgate.test');
    ledger = t.app.get(LedgerService);
  });
  afterAll(async () => t.close());

  const grant = (user: TestUser, body: Record<string, unknown>) =>
    t
      .http()
      .post(`/admin/users/${user.id}/grants`)
      .set({ ...admin.auth, 'Idempotency-Key': randomUUID() })
      .send({ reason: 'hot account test', ...body })
      .expect(201)
      .then((res) => (res.body as { id: string }).id);

  /** Submits the consumes in this order, synchronously: the first runs alone, the rest wait for one statement. */
  const inOrder = (user: TestUser, amounts: number[]) =>
    Promise.all(
      amounts.map((amount, n) => ledger.consume(null, user.id, amount, `consume:${randomUUID()}`, `r${n}`)),
    );

  it('decides a user’s waiting consumes in arrival order, as if one by one: a refusal lets a later smaller one fit', async () => {
    const user = await registerUser(t);
    const promo = await grant(user, { amount: 4, bucket: 'promotional', expires_in_days: 3 });
    const bought = await grant(user, { amount: 6, bucket: 'purchased' });
    const statements = jest.spyOn(t.app.get(TollgateMetrics), 'consumeStatement');
    statements.mockClear();

    const rows = await inOrder(user, [3, 5, 4, 1, 2, 1]);

    // The first went alone; the other five waited and went as one statement (the two refused then asked the
    // overage statement, which has nothing for a user without an overage policy).
    expect(statements.mock.calls.map(([n]) => n).slice(0, 2)).toEqual([1, 5]);
    expect(rows.map((r) => (r ? r.monthly + r.purchased + r.promotional : null))).toEqual([
      7,
      2,
      null,
      1,
      null,
      0,
    ]);
    // The 5 took the promotional grant's last credit, then 4 purchased; each receipt says its own parts.
    expect(rows[1]).toMatchObject({ from_promotional: 1, from_purchased: 4, promotional: 0, purchased: 2 });
    expect(rows[1]!.parts).toEqual([
      [promo, 'promotional', 1],
      [bought, 'purchased', 4],
    ]);
    expect(rows[3]!.parts).toEqual([[bought, 'purchased', 1]]);
    expect(rows[5]!.parts).toEqual([[bought, 'purchased', 1]]);

    // One row per (request, grant), each balance_after in order; the refused left nothing.
    const ledgerRows: Array<{ bucket: string; amount: number; balance_after: number; reason: string }> =
      await t.dataSource.query(
        `SELECT bucket, amount, balance_after, metadata->>'reason' AS reason FROM credit_ledger
          WHERE user_id = $1 AND source_type = 'consume' ORDER BY id`,
        [user.id],
      );
    expect(ledgerRows).toEqual([
      { bucket: 'promotional', amount: -3, balance_after: 1, reason: 'r0' },
      { bucket: 'promotional', amount: -1, balance_after: 0, reason: 'r1' },
      { bucket: 'purchased', amount: -4, balance_after: 2, reason: 'r1' },
      { bucket: 'purchased', amount: -1, balance_after: 1, reason: 'r3' },
      { bucket: 'purchased', amount: -1, balance_after: 0, reason: 'r5' },
    ]);
    expect(await credits(t, user)).toMatchObject({ total_credits: 0, held_credits: 0 });
    expect(await t.app.get(CreditsService).verify()).toEqual([]);
  });

  it('counts the requests before against a usage limit inside one statement', async () => {
    const user = await registerUser(t);
    await grant(user, { amount: 100, bucket: 'purchased' });
    await t
      .http()
      .put(`/admin/users/${user.id}/spend-controls`)
      .set(admin.auth)
      .send({ usage_limits: [{ credits: 10, per: 'hour' }] })
      .expect(200);

    const rows = await inOrder(user, [1, 4, 4, 3, 1, 1]);

    // 1 alone; then 4 (5 used), 4 (9), 3 refused (12 > 10), 1 (10), 1 refused (11 > 10).
    expect(rows.map((r) => (r ? r.purchased : null))).toEqual([99, 95, 91, null, 90, null]);
    expect(await credits(t, user)).toMatchObject({ total_credits: 90 });
    await t.http().post('/credits/consume').set(user.auth).send({ amount: 1 }).expect(402);
  });

  it('200 concurrent consumes of one user over HTTP: batched, exactly the balance served, distinct balances', async () => {
    const user = await registerUser(t);
    await grant(user, { amount: 30, bucket: 'promotional', expires_in_days: 2 });
    await grant(user, { amount: 50, bucket: 'purchased' });
    const statements = jest.spyOn(t.app.get(TollgateMetrics), 'consumeStatement');
    statements.mockClear();

    const answers = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const res = await fetch(`${t.url}/credits/consume`, {
          method: 'POST',
          headers: { ...user.auth, 'Content-Type': 'application/json' },
          body: '{}',
        });
        const body = (await res.json()) as { credits_remaining?: number };
        return { status: res.status, remaining: body.credits_remaining };
      }),
    );

    expect(Math.max(...statements.mock.calls.map(([n]) => n))).toBeGreaterThan(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(80);
    expect(answers.filter((a) => a.status === 402)).toHaveLength(120);
    expect(
      answers
        .filter((a) => a.status === 200)
        .map((a) => a.remaining)
        .sort((a, b) => b! - a!),
    ).toEqual(Array.from({ length: 80 }, (_, i) => 79 - i));
    expect(await credits(t, user)).toMatchObject({ total_credits: 0 });
    expect(await t.app.get(CreditsService).verify()).toEqual([]);
  });
});
