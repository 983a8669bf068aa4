import { randomUUID } from 'node:crypto';
import { ConsumeService } from '../../src/credits/consume.service';
import { registerUser, TestUser } from '../factories/user.factory';
import { credits, expectLedgerConsistent } from '../support/stripe-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import { NO_OVERAGE } from '../support/credit-shapes';

const NO_CREDITS = 'No credits available. Please purchase credits or upgrade your plan.';

interface LedgerEntry {
  id: string;
  bucket: 'monthly' | 'purchased';
  amount: number;
  balance_after: number;
  reason: string;
  source_type: string | null;
  source_id: string | null;
  grant_id: string | null;
  metadata: Record<string, unknown>;
}

interface LedgerPage {
  entries: LedgerEntry[];
  next_cursor: string | null;
}

describe('credits (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;

  const grant = (user: TestUser, amount: number, bucket: 'monthly' | 'purchased' = 'purchased') =>
    t
      .http()
      .post(`/admin/users/${user.id}/credits`)
      .set(admin.auth)
      .send({ amount, bucket, reason: 'test grant' })
      .expect(201);

  const consume = (user: TestUser, body: object = {}, key?: string) => {
    const req = t.http().post('/credits/consume').set(user.auth);
    if (key !== undefined) req.set('Idempotency-Key', key);
    return req.send(body);
  };

  const ledger = async (user: TestUser, query = 'limit=100'): Promise<LedgerPage> =>
    (await t.http().get(`/credits/ledger?${query}`).set(user.auth).expect(200)).body as LedgerPage;

  const post = (user: TestUser, body: object, key?: string) => {
    const req = t.http().post('/examples/posts').set(user.auth);
    if (key !== undefined) req.set('Idempotency-Key', key);
    return req.send(body);
  };

  beforeAll(async () => {
    t = await createTestApp();
    admin = await registerUser(t, 'admin@tollgate.test');
  });
  afterEach(async () => expectLedgerConsistent(t));
  afterAll(async () => t.close());

  describe('GET /credits', () => {
    it('answers zeros for a new user', async () => {
      const user = await registerUser(t);
      const res = await t.http().get('/credits').set(user.auth).expect(200);
      expect(res.body).toEqual({
        monthly_credits: 0,
        purchased_credits: 0,
        promotional_credits: 0,
        total_credits: 0,
        held_credits: 0,
        expiring: [],
        overage: NO_OVERAGE,
      });
    });

    it('is 401 without a bearer token', async () => {
      const res = await t.http().get('/credits').expect(401);
      expect(res.body).toMatchObject({ code: 'AUTH_TOKEN_MISSING' });
    });
  });

  describe('admin adjustments', () => {
    it('grants into the chosen bucket and records admin_adjustment with the note and the actor', async () => {
      const user = await registerUser(t);
      const res = await t
        .http()
        .post(`/admin/users/${user.id}/credits`)
        .set(admin.auth)
        .send({ amount: 25, bucket: 'purchased', reason: 'Goodwill for ticket #4411' })
        .expect(201);
      expect(res.body).toEqual({
        monthly_credits: 0,
        purchased_credits: 25,
        promotional_credits: 0,
        total_credits: 25,
        held_credits: 0,
        expiring: [],
        overage: NO_OVERAGE,
      });
      await grant(user, 7, 'monthly');
      expect(await credits(t, user)).toEqual({
        monthly_credits: 7,
        purchased_credits: 25,
        promotional_credits: 0,
        total_credits: 32,
        held_credits: 0,
        expiring: [],
        overage: NO_OVERAGE,
      });

      const { entries } = await ledger(user);
      expect(entries).toHaveLength(2);
      expect(entries[1]).toMatchObject({
        bucket: 'purchased',
        amount: 25,
        balance_after: 25,
        reason: 'admin_adjustment',
        source_type: 'admin',
        source_id: admin.id,
        metadata: { note: 'Goodwill for ticket #4411', actor_id: admin.id },
      });
      expect(entries[0]).toMatchObject({ bucket: 'monthly', amount: 7, balance_after: 7 });
    });

    it('removes credits, but never below zero: 402 INSUFFICIENT_CREDITS and nothing changes', async () => {
      const user = await registerUser(t);
      await grant(user, 10);
      await t
        .http()
        .post(`/admin/users/${user.id}/credits`)
        .set(admin.auth)
        .send({ amount: -4, bucket: 'purchased', reason: 'Correction' })
        .expect(201);
      const refused = await t
        .http()
        .post(`/admin/users/${user.id}/credits`)
        .set(admin.auth)
        .send({ amount: -7, bucket: 'purchased', reason: 'Too much' })
        .expect(402);
      expect(refused.body).toMatchObject({ code: 'INSUFFICIENT_CREDITS' });
      const wrongBucket = await t
        .http()
        .post(`/admin/users/${user.id}/credits`)
        .set(admin.auth)
        .send({ amount: -1, bucket: 'monthly', reason: 'Nothing there' })
        .expect(402);
      expect(wrongBucket.body).toMatchObject({ code: 'INSUFFICIENT_CREDITS' });

      expect(await credits(t, user)).toEqual({
        monthly_credits: 0,
        purchased_credits: 6,
        promotional_credits: 0,
        total_credits: 6,
        held_credits: 0,
        expiring: [],
        overage: NO_OVERAGE,
      });
      expect((await ledger(user)).entries.map((e) => e.amount)).toEqual([-4, 10]);
    });

    it('is 403 FORBIDDEN for a non-admin, 404 for an unknown user, 400 VALIDATION_FAILED for a bad body', async () => {
      const user = await registerUser(t);
      const forbidden = await t
        .http()
        .post(`/admin/users/${user.id}/credits`)
        .set(user.auth)
        .send({ amount: 1000, bucket: 'purchased', reason: 'Self-service' })
        .expect(403);
      expect(forbidden.body).toMatchObject({ code: 'FORBIDDEN' });

      const missing = await t
        .http()
        .post(`/admin/users/${randomUUID()}/credits`)
        .set(admin.auth)
        .send({ amount: 5, bucket: 'purchased', reason: 'Nobody' })
        .expect(404);
      expect(missing.body).toMatchObject({ code: 'USER_NOT_FOUND' });

      for (const body of [
        { amount: 0, bucket: 'purchased', reason: 'Zero' },
        { amount: 1.5, bucket: 'purchased', reason: 'Fraction' },
        { amount: 5, bucket: 'bonus', reason: 'Unknown bucket' },
        { amount: 5, bucket: 'purchased' },
        { amount: 5, bucket: 'purchased', reason: 'Extra field', extra: true },
      ]) {
        const bad = await t.http().post(`/admin/users/${user.id}/credits`).set(admin.auth).send(body);
        expect({ body, status: bad.status, code: (bad.body as { code: string }).code }).toEqual({
          body,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
      }
      // Not a UUID: an external id nobody has.
      const unknownRef = await t
        .http()
        .post('/admin/users/not-a-uuid/credits')
        .set(admin.auth)
        .send({ amount: 5, bucket: 'purchased', reason: 'Bad id' })
        .expect(404);
      expect(unknownRef.body).toMatchObject({ code: 'USER_NOT_FOUND' });
      expect(await credits(t, user)).toEqual({
        monthly_credits: 0,
        purchased_credits: 0,
        promotional_credits: 0,
        total_credits: 0,
        held_credits: 0,
        expiring: [],
        overage: NO_OVERAGE,
      });
    });
  });

  describe('POST /credits/consume', () => {
    it('spends 1 by default, monthly credits first, then purchased', async () => {
      const user = await registerUser(t);
      await grant(user, 2, 'monthly');
      await grant(user, 5, 'purchased');

      const one = await consume(user).expect(200);
      expect(one.body).toEqual({
        consumed: 1,
        credits_remaining: 6,
        monthly_credits: 1,
        purchased_credits: 5,
        promotional_credits: 0,
      });

      // Spans both buckets: the last monthly credit, then two purchased ones.
      const three = await consume(user, { amount: 3, reason: 'create_post' }).expect(200);
      expect(three.body).toEqual({
        consumed: 3,
        credits_remaining: 3,
        monthly_credits: 0,
        purchased_credits: 3,
        promotional_credits: 0,
      });
      expect(await credits(t, user)).toEqual({
        monthly_credits: 0,
        purchased_credits: 3,
        promotional_credits: 0,
        total_credits: 3,
        held_credits: 0,
        expiring: [],
        overage: NO_OVERAGE,
      });

      const { entries } = await ledger(user);
      expect(entries.slice(0, 3).map((e) => [e.reason, e.bucket, e.amount, e.balance_after])).toEqual([
        ['consume', 'purchased', -2, 3],
        ['consume', 'monthly', -1, 0],
        ['consume', 'monthly', -1, 1],
      ]);
      expect(entries[0].metadata).toEqual({ reason: 'create_post' });
      expect(entries[0].source_id).toBe(entries[1].source_id);
    });

    it('is all-or-nothing: more than the total is 402 with the spec message and spends nothing', async () => {
      const user = await registerUser(t);
      await grant(user, 2, 'monthly');
      await grant(user, 3, 'purchased');
      const refused = await consume(user, { amount: 6 }).expect(402);
      expect(refused.body).toMatchObject({
        code: 'INSUFFICIENT_CREDITS',
        message:
          'Not enough credits: 6 requested, 5 available. Please purchase credits or upgrade your plan.',
        requested: 6,
        available: 5,
      });
      expect(await credits(t, user)).toEqual({
        monthly_credits: 2,
        purchased_credits: 3,
        promotional_credits: 0,
        total_credits: 5,
        held_credits: 0,
        expiring: [],
        overage: NO_OVERAGE,
      });
      expect((await ledger(user)).entries.every((e) => e.reason === 'admin_adjustment')).toBe(true);

      await consume(user, { amount: 5 }).expect(200);
      const empty = await consume(user).expect(402);
      expect(empty.body).toMatchObject({
        code: 'INSUFFICIENT_CREDITS',
        message: NO_CREDITS,
        requested: 1,
        available: 0,
      });
      const never = await consume(await registerUser(t)).expect(402);
      expect(never.body).toMatchObject({ code: 'INSUFFICIENT_CREDITS', message: NO_CREDITS });
    });

    it('rejects a bad amount with 400 VALIDATION_FAILED', async () => {
      const user = await registerUser(t);
      await grant(user, 5);
      for (const amount of [0, -1, 1.5, 10001, '2']) {
        const res = await consume(user, { amount });
        expect([amount, res.status, (res.body as { code: string }).code]).toEqual([
          amount,
          400,
          'VALIDATION_FAILED',
        ]);
      }
      expect((await credits(t, user)).total_credits).toBe(5);
    });

    it('Idempotency-Key: the same key and body replay the first answer and spend once', async () => {
      const user = await registerUser(t);
      await grant(user, 10);
      const first = await consume(user, { amount: 3 }, 'order-1').expect(200);
      const again = await consume(user, { amount: 3 }, 'order-1').expect(200);
      expect(again.body).toEqual(first.body);
      expect(first.body).toEqual({
        consumed: 3,
        credits_remaining: 7,
        monthly_credits: 0,
        purchased_credits: 7,
        promotional_credits: 0,
      });
      expect((await credits(t, user)).total_credits).toBe(7);
      // Keys are per user: another user's identical key is a request of its own.
      const other = await registerUser(t);
      await grant(other, 4);
      await consume(other, { amount: 3 }, 'order-1').expect(200);
      expect((await credits(t, other)).total_credits).toBe(1);
      expect((await credits(t, user)).total_credits).toBe(7);
    });

    it('Idempotency-Key: the same key with a different body is 409 IDEMPOTENCY_KEY_REUSED', async () => {
      const user = await registerUser(t);
      await grant(user, 10);
      await consume(user, { amount: 2 }, 'k-409').expect(200);
      const reused = await consume(user, { amount: 3 }, 'k-409').expect(409);
      expect(reused.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
      const otherReason = await consume(user, { amount: 2, reason: 'other' }, 'k-409').expect(409);
      expect(otherReason.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
      expect((await credits(t, user)).total_credits).toBe(8);
    });

    it('Idempotency-Key: 25 concurrent requests with one key spend once and all get the same answer', async () => {
      const user = await registerUser(t);
      await grant(user, 10);
      const answers = await Promise.all(
        Array.from({ length: 25 }, () => consume(user, { amount: 4 }, 'burst')),
      );
      expect(answers.map((r) => r.status)).toEqual(Array(25).fill(200));
      for (const r of answers) {
        expect(r.body).toEqual({
          consumed: 4,
          credits_remaining: 6,
          monthly_credits: 0,
          purchased_credits: 6,
          promotional_credits: 0,
        });
      }
      expect((await credits(t, user)).total_credits).toBe(6);
      expect((await ledger(user)).entries.filter((e) => e.reason === 'consume')).toHaveLength(1);
    });

    it('Idempotency-Key: the longest valid key (255 characters) works, an invalid one is 400', async () => {
      const user = await registerUser(t);
      await grant(user, 5);
      const key = 'k'.repeat(255);
      const first = await consume(user, { amount: 2 }, key).expect(200);
      await consume(user, { amount: 2 }, key).expect(200);
      expect(first.body).toMatchObject({ credits_remaining: 3 });
      const bad = await consume(user, {}, 'has spaces and ü').expect(400);
      expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect((await credits(t, user)).total_credits).toBe(3);
    });
  });

  describe('GET /credits/ledger', () => {
    it('pages newest first by cursor and shows only the caller’s own rows', async () => {
      const user = await registerUser(t);
      const other = await registerUser(t);
      await grant(other, 3);
      await grant(user, 10);
      for (let i = 0; i < 6; i++) await consume(user).expect(200);
      await consume(other).expect(200);

      const all = await ledger(user);
      expect(all.next_cursor).toBeNull();
      expect(all.entries.map((e) => e.balance_after)).toEqual([4, 5, 6, 7, 8, 9, 10]);
      const ids = all.entries.map((e) => BigInt(e.id));
      expect([...ids].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))).toEqual(ids);

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: LedgerPage = await ledger(user, `limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.entries.length).toBeLessThanOrEqual(3);
        seen.push(...page.entries.map((e) => e.id));
        cursor = page.next_cursor;
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual(all.entries.map((e) => e.id));

      const theirs = await ledger(other);
      expect(theirs.entries.map((e) => e.amount)).toEqual([-1, 3]);
      expect(theirs.entries.some((e) => seen.includes(e.id))).toBe(false);
      // Another user's cursor only moves the window: it never reveals foreign rows.
      const crossed = await ledger(other, `limit=100&cursor=${all.entries[0].id}`);
      expect(crossed.entries.every((e) => theirs.entries.some((x) => x.id === e.id))).toBe(true);

      await t.http().get('/credits/ledger?limit=0').set(user.auth).expect(400);
      await t.http().get('/credits/ledger?cursor=abc').set(user.auth).expect(400);
      await t.http().get('/credits/ledger').expect(401);
    });
  });

  describe('@ConsumesCredits: POST /examples/posts', () => {
    it('answers 409 IDEMPOTENCY_KEY_IN_PROGRESS to a retry whose first attempt charged but stored no answer', async () => {
      const user = await registerUser(t);
      await grant(user, 3);
      // The first attempt is charged and answered, but its answer is never stored (as if the instance died
      // between the two): a retry with the key must neither run the action again nor invent an answer.
      const store = jest
        .spyOn(t.app.get(ConsumeService), 'recordAction')
        .mockRejectedValueOnce(new Error('lost before the answer was stored'));
      try {
        await post(user, { title: 'Once' }, 'k-in-progress').expect(201);
      } finally {
        store.mockRestore();
      }
      const retry = await post(user, { title: 'Once' }, 'k-in-progress').expect(409);
      expect(retry.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_PROGRESS' });
      expect(await credits(t, user)).toMatchObject({ total_credits: 2 });
    });

    it('costs one credit', async () => {
      const user = await registerUser(t);
      await grant(user, 3);
      const res = await post(user, { title: 'Hello' }).expect(201);
      expect(res.body).toMatchObject({
        message: 'Post created successfully',
        title: 'Hello',
        credits_remaining: 2,
      });
      // The credit was reserved by a hold before the action and captured once it succeeded.
      const [entry] = (await ledger(user)).entries;
      expect(entry).toMatchObject({
        reason: 'hold',
        amount: -1,
        metadata: { reason: 'PostsController.create' },
      });
      const holds: Array<{ status: string; captured: number }> = await t.dataSource.query(
        'SELECT status, captured FROM credit_holds WHERE user_id = $1',
        [user.id],
      );
      expect(holds).toEqual([{ status: 'captured', captured: 1 }]);
      expect(await credits(t, user)).toMatchObject({ total_credits: 2, held_credits: 0 });
    });

    it('releases the credit when the action fails: the ledger shows the hold then its return', async () => {
      const user = await registerUser(t);
      await grant(user, 1, 'monthly');
      await grant(user, 2, 'purchased');
      const failed = await post(user, { title: 'Doomed', simulate_failure: true }).expect(503);
      expect(failed.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect(await credits(t, user)).toEqual({
        monthly_credits: 1,
        purchased_credits: 2,
        promotional_credits: 0,
        total_credits: 3,
        held_credits: 0,
        expiring: [],
        overage: NO_OVERAGE,
      });
      const [refund, charge] = (await ledger(user)).entries;
      expect(charge).toMatchObject({ reason: 'hold', bucket: 'monthly', amount: -1, balance_after: 0 });
      expect(refund).toMatchObject({
        reason: 'hold_return',
        bucket: 'monthly',
        amount: 1,
        balance_after: 1,
        source_type: 'hold',
        source_id: charge.source_id,
        grant_id: charge.grant_id,
      });
    });

    it('a bad body is 400 and never charged: the body is validated before the credit is taken', async () => {
      const user = await registerUser(t);
      await grant(user, 2);
      const res = await post(user, { title: '' }).expect(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      const unknown = await post(user, { title: 'ok', extra: 1 }).expect(400);
      expect(unknown.body.message).toContain('extra');
      expect((await credits(t, user)).total_credits).toBe(2);
      expect((await ledger(user)).entries.map((e) => e.reason)).not.toContain('consume');
    });

    it('is 402 INSUFFICIENT_CREDITS when the user has none, and the handler does not run', async () => {
      const user = await registerUser(t);
      const res = await post(user, { title: 'Free?' }).expect(402);
      expect(res.body).toMatchObject({ code: 'INSUFFICIENT_CREDITS', message: NO_CREDITS });
      expect((await ledger(user)).entries).toEqual([]);
    });

    it('a retry with the same Idempotency-Key after a success does not charge twice', async () => {
      const user = await registerUser(t);
      await grant(user, 5);
      await post(user, { title: 'Once' }, 'post-1').expect(201);
      await post(user, { title: 'Once' }, 'post-1').expect(201);
      expect((await credits(t, user)).total_credits).toBe(4);
      // The key is scoped to the route: the same key on /credits/consume is a different request.
      await consume(user, {}, 'post-1').expect(200);
      expect((await credits(t, user)).total_credits).toBe(3);
    });

    it('replays the stored response for a repeated Idempotency-Key instead of running the action again', async () => {
      const user = await registerUser(t);
      await grant(user, 5);
      const first = await post(user, { title: 'Once only' }, 'post-replay').expect(201);
      expect(first.body).toEqual({
        message: 'Post created successfully',
        title: 'Once only',
        credits_remaining: 4,
      });
      await consume(user, { amount: 1 }).expect(200);
      // Had the handler run again it would report today's balance (3); the replay is the first answer.
      const again = await post(user, { title: 'Once only' }, 'post-replay').expect(201);
      expect(again.body).toEqual(first.body);
      expect((await credits(t, user)).total_credits).toBe(3);
    });

    it('a reused Idempotency-Key with another body is 409 and neither charges nor refunds', async () => {
      const user = await registerUser(t);
      await grant(user, 5);
      await post(user, { title: 'Paid' }, 'post-2').expect(201);
      const reused = await post(user, { title: 'Paid', simulate_failure: true }, 'post-2').expect(409);
      expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect((await credits(t, user)).total_credits).toBe(4);
      expect((await ledger(user)).entries.filter((e) => e.reason === 'hold_return')).toEqual([]);
    });

    it('a retry with the same Idempotency-Key after a refunded failure is charged, once', async () => {
      const user = await registerUser(t);
      await grant(user, 5);
      await post(user, { title: 'Try', simulate_failure: true }, 'post-3').expect(503);
      expect((await credits(t, user)).total_credits).toBe(5);
      await post(user, { title: 'Try' }, 'post-3').expect(201);
      await post(user, { title: 'Try' }, 'post-3').expect(201);
      expect((await credits(t, user)).total_credits).toBe(4);
      expect((await ledger(user)).entries.map((e) => [e.reason, e.amount])).toEqual([
        ['hold', -1],
        ['hold_return', 1],
        ['hold', -1],
        ['admin_adjustment', 5],
      ]);
    });

    it('accepts the longest valid Idempotency-Key and rejects an invalid one with 400', async () => {
      const user = await registerUser(t);
      await grant(user, 5);
      const key = 'p'.repeat(255);
      await post(user, { title: 'Long key' }, key).expect(201);
      await post(user, { title: 'Long key' }, key).expect(201);
      expect((await credits(t, user)).total_credits).toBe(4);
      const bad = await post(user, { title: 'Bad key' }, 'x'.repeat(256)).expect(400);
      expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect((await credits(t, user)).total_credits).toBe(4);
    });
  });
});
