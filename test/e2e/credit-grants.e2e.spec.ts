import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ConsumeService } from '../../src/credits/consume.service';
import { CreditExpiryScheduler } from '../../src/credits/credit-expiry.scheduler';
import { CreditsService } from '../../src/credits/credits.service';
import { GrantsService } from '../../src/credits/grants.service';
import { createApiKey } from '../factories/api-key.factory';
import { registerUser, TestUser } from '../factories/user.factory';
import { createTestApp, TestApp } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';
import { NO_OVERAGE } from '../support/credit-shapes';

interface Grant {
  id: string;
  bucket: string;
  amount: number;
  remaining: number;
  status: string;
  expires_at: string | null;
}

/**
 * The credit engine's grants: every credit in a balance belongs to a grant (bucket, priority, expiry), spent in
 * one deterministic order — priority, then soonest expiry, then oldest — one ledger row per grant touched; an
 * expired grant is never spent, before or after the expiry job; voids and expiries are ledger rows; grants
 * through an API key or an admin are idempotent; a refund claws back from its own purchase's grant first.
 */
describe('credit engine: grants (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp({ env: { CREDITS_EXPIRY_ENABLED: 'false' } });
    admin = await registerUser(t, 'admin@tollgate.test');
  });
  afterAll(async () => t.close());

  const grant = async (user: TestUser, body: Record<string, unknown>, key = randomUUID()) =>
    (
      await t
        .http()
        .post(`/admin/users/${user.id}/grants`)
        .set(admin.auth)
        .set('Idempotency-Key', key)
        .send({ reason: 'test grant', ...body })
        .expect(201)
    ).body as Grant;
  const consume = (user: TestUser, amount: number) =>
    t.http().post('/credits/consume').set(user.auth).send({ amount });
  const balance = async (user: TestUser) =>
    (await t.http().get('/credits').set(user.auth).expect(200)).body as Record<string, unknown>;
  const grantsOf = async (user: TestUser, status = '') =>
    (
      (
        await t
          .http()
          .get(`/credits/grants${status ? `?status=${status}` : ''}`)
          .set(user.auth)
          .expect(200)
      ).body as {
        grants: Grant[];
      }
    ).grants;
  const ledgerRows = async (user: TestUser, reason: string) =>
    t.dataSource.query<Array<{ grant_id: string; bucket: string; amount: number }>>(
      'SELECT grant_id, bucket, amount FROM credit_ledger WHERE user_id = $1 AND reason = $2 ORDER BY id',
      [user.id, reason],
    );
  const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString();
  const verify = () => t.app.get(CreditsService).verify();
  /** Time passes to the grant's expiry: it expires now (after every row already written), its balance untouched. */
  const expireNow = (grantId: string) =>
    t.dataSource.query(`UPDATE credit_grants SET expires_at = clock_timestamp() WHERE id = $1`, [grantId]);

  it('spends by priority, then soonest expiry, then oldest, across buckets, one ledger row per grant', async () => {
    const user = await registerUser(t);
    const bought = await grant(user, { amount: 10, bucket: 'purchased' });
    const promoLate = await grant(user, { amount: 5, expires_in_days: 10 });
    const promoSoon = await grant(user, { amount: 3, expires_at: days(2) });
    const first = await grant(user, { amount: 2, bucket: 'purchased', priority: 10 });

    expect(await balance(user)).toEqual({
      monthly_credits: 0,
      purchased_credits: 12,
      promotional_credits: 8,
      total_credits: 20,
      held_credits: 0,
      expiring: [
        { amount: 3, expires_at: promoSoon.expires_at },
        { amount: 5, expires_at: promoLate.expires_at },
      ],
      overage: NO_OVERAGE,
    });
    const spent = await consume(user, 4).expect(200);
    expect(spent.body).toEqual({
      consumed: 4,
      credits_remaining: 16,
      monthly_credits: 0,
      purchased_credits: 10,
      promotional_credits: 6,
    });
    await consume(user, 3).expect(200);
    expect(await ledgerRows(user, 'consume')).toEqual([
      { grant_id: first.id, bucket: 'purchased', amount: -2 },
      { grant_id: promoSoon.id, bucket: 'promotional', amount: -2 },
      { grant_id: promoSoon.id, bucket: 'promotional', amount: -1 },
      { grant_id: promoLate.id, bucket: 'promotional', amount: -2 },
    ]);
    const remaining = Object.fromEntries((await grantsOf(user)).map((g) => [g.id, [g.remaining, g.status]]));
    expect(remaining).toEqual({
      [first.id]: [0, 'depleted'],
      [promoSoon.id]: [0, 'depleted'],
      [promoLate.id]: [3, 'active'],
      [bought.id]: [10, 'active'],
    });
    expect((await grantsOf(user, 'depleted')).map((g) => g.id).sort()).toEqual(
      [first.id, promoSoon.id].sort(),
    );
    expect(await verify()).toEqual([]);
  });

  it('never spends an expired grant, before the expiry job ran and after it; the job writes the expiry row', async () => {
    const user = await registerUser(t);
    const old = await grant(user, { amount: 7, expires_in_days: 1 });
    await grant(user, { amount: 2, bucket: 'purchased' });
    await expireNow(old.id);

    // Before the job: empty to reads and consumes, though its expiry row is not written yet.
    expect(await balance(user)).toMatchObject({ promotional_credits: 0, total_credits: 2, expiring: [] });
    const refused = await consume(user, 3).expect(402);
    expect(refused.body).toMatchObject({
      code: 'INSUFFICIENT_CREDITS',
      requested: 3,
      available: 2,
    });
    expect(await ledgerRows(user, 'grant_expiry')).toEqual([]);

    const report = await t.app.get(CreditExpiryScheduler).run();
    expect(report.grantsExpired).toBeGreaterThanOrEqual(1);
    expect(await ledgerRows(user, 'grant_expiry')).toEqual([
      { grant_id: old.id, bucket: 'promotional', amount: -7 },
    ]);
    expect((await grantsOf(user, 'expired')).map((g) => [g.id, g.remaining])).toEqual([[old.id, 0]]);
    await consume(user, 3).expect(402);
    await consume(user, 2).expect(200);
    // A second run finds nothing more to expire for this user.
    await t.app.get(CreditExpiryScheduler).run();
    expect(await ledgerRows(user, 'grant_expiry')).toHaveLength(1);
    expect(await verify()).toEqual([]);
  });

  it('voids what remains of a grant mid-life, once; a depleted or voided grant is 409 GRANT_NOT_VOIDABLE', async () => {
    const user = await registerUser(t);
    const promo = await grant(user, { amount: 10, expires_in_days: 30 });
    const small = await grant(user, { amount: 1, expires_in_days: 1 });
    await consume(user, 5).expect(200); // 1 from the sooner one, 4 from promo
    const voided = await t
      .http()
      .post(`/admin/users/${user.id}/grants/${promo.id}/void`)
      .set(admin.auth)
      .send({ reason: 'issued by mistake' })
      .expect(200);
    expect(voided.body).toMatchObject({ id: promo.id, status: 'voided', remaining: 0, amount: 10 });
    expect(await ledgerRows(user, 'grant_void')).toEqual([
      { grant_id: promo.id, bucket: 'promotional', amount: -6 },
    ]);
    expect(await balance(user)).toMatchObject({ promotional_credits: 0, total_credits: 0 });
    for (const id of [promo.id, small.id]) {
      const again = await t
        .http()
        .post(`/admin/users/${user.id}/grants/${id}/void`)
        .set(admin.auth)
        .send({ reason: 'again' })
        .expect(409);
      expect(again.body).toMatchObject({ code: 'GRANT_NOT_VOIDABLE' });
    }
    expect(await ledgerRows(user, 'grant_void')).toHaveLength(1);
    expect(await verify()).toEqual([]);
  });

  it('grants through an API key with credits:grant, once per Idempotency-Key; only that scope or an admin may', async () => {
    const externalId = `ext-${randomUUID()}`;
    await t.http().put(`/users/${externalId}`).set(admin.auth).send({}).expect(200);
    const granter = await createApiKey(t, admin, ['credits:grant', 'credits:read']);
    const reader = await createApiKey(t, admin, ['credits:read']);
    const as = (secret: string) => ({ Authorization: `Bearer ${secret}`, 'X-Tollgate-User': externalId });
    const body = { amount: 25, reason: 'welcome bonus', expires_in_days: 14, source_id: 'campaign-7' };

    const first = await t
      .http()
      .post('/credits/grants')
      .set(as(granter.secret))
      .set('Idempotency-Key', 'welcome-1')
      .send(body)
      .expect(201);
    expect(first.body).toMatchObject({
      bucket: 'promotional',
      amount: 25,
      remaining: 25,
      source: 'api',
      source_id: 'campaign-7',
      status: 'active',
    });
    const again = await t
      .http()
      .post('/credits/grants')
      .set(as(granter.secret))
      .set('Idempotency-Key', 'welcome-1')
      .send(body)
      .expect(201);
    expect(again.body.id).toBe(first.body.id);
    const reused = await t
      .http()
      .post('/credits/grants')
      .set(as(granter.secret))
      .set('Idempotency-Key', 'welcome-1')
      .send({ ...body, amount: 26 })
      .expect(409);
    expect(reused.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    const noKey = await t.http().post('/credits/grants').set(as(granter.secret)).send(body).expect(400);
    expect(noKey.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REQUIRED' });
    const noScope = await t
      .http()
      .post('/credits/grants')
      .set(as(reader.secret))
      .set('Idempotency-Key', 'x')
      .send(body)
      .expect(403);
    expect(noScope.body).toMatchObject({ code: 'API_KEY_SCOPE_MISSING' });
    const user = await registerUser(t);
    await t
      .http()
      .post('/credits/grants')
      .set(user.auth)
      .set('Idempotency-Key', 'self')
      .send(body)
      .expect(403);

    const mine = await t.http().get('/credits').set(as(reader.secret)).expect(200);
    expect(mine.body).toMatchObject({ promotional_credits: 25, total_credits: 25 });
    const listed = await t.http().get('/credits/grants?status=active').set(as(reader.secret)).expect(200);
    expect((listed.body as { grants: Grant[] }).grants.map((g) => g.id)).toEqual([first.body.id]);
    const [row] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM credit_ledger WHERE grant_id = $1 AND reason = 'grant'`,
      [first.body.id],
    );
    expect(row.n).toBe(1);
  });

  it('answers each bad request with a stable code and changes nothing', async () => {
    const user = await registerUser(t);
    const other = await registerUser(t);
    const theirs = await grant(other, { amount: 3 });
    const post = (body: Record<string, unknown>) =>
      t
        .http()
        .post(`/admin/users/${user.id}/grants`)
        .set(admin.auth)
        .set('Idempotency-Key', randomUUID())
        .send({ reason: 'bad', ...body });
    for (const amount of [0, -5, 1.5, '10', null, 1_000_001]) {
      const res = await post({ amount }).expect(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect((await post({ amount: 5, bucket: 'monthly' }).expect(400)).body).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect((await post({ amount: 5, priority: 101 }).expect(400)).body).toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect((await post({ amount: 5, expires_at: '2020-01-01T00:00:00Z' }).expect(400)).body).toMatchObject({
      code: 'GRANT_EXPIRY_INVALID',
    });
    expect(
      (await post({ amount: 5, expires_at: days(3), expires_in_days: 3 }).expect(400)).body,
    ).toMatchObject({ code: 'GRANT_EXPIRY_INVALID' });
    // Someone else's grant is not found for this user.
    const foreign = await t
      .http()
      .post(`/admin/users/${user.id}/grants/${theirs.id}/void`)
      .set(admin.auth)
      .send({ reason: 'not yours' })
      .expect(404);
    expect(foreign.body).toMatchObject({ code: 'GRANT_NOT_FOUND' });
    expect((await t.http().get('/credits/grants?status=nope').set(user.auth).expect(400)).body).toMatchObject(
      { code: 'VALIDATION_FAILED' },
    );
    expect(await grantsOf(user)).toEqual([]);
    expect(await balance(other)).toMatchObject({ promotional_credits: 3 });
  });

  it('pages the grant list with a cursor', async () => {
    const user = await registerUser(t);
    for (let i = 0; i < 5; i += 1) await grant(user, { amount: i + 1 });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await t
        .http()
        .get(`/credits/grants?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .set(user.auth)
        .expect(200);
      const body = page.body as { grants: Grant[]; next_cursor: string | null };
      seen.push(...body.grants.map((g) => g.amount));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([5, 4, 3, 2, 1]);
  });

  it('a refund claws back from its own purchase grant first', async () => {
    const user = await registerUser(t);
    const grants = t.app.get(GrantsService);
    const inTx = <T>(work: (m: EntityManager) => Promise<T>) => t.dataSource.transaction(work);
    const buy = (session: string) =>
      inTx((m) =>
        grants.grantPurchase(m, {
          userId: user.id,
          checkoutSessionId: session,
          packageId: null,
          paymentIntentId: `pi_${session}`,
          credits: 100,
          amountTotal: 1000,
          currency: 'usd',
        }),
      );
    await buy(`cs_a_${user.id}`);
    await buy(`cs_b_${user.id}`);
    await t.app.get(ConsumeService).consume(user.id, 30, 'spend'); // from A, the oldest
    const taken = await inTx((m) =>
      grants.clawback(m, {
        userId: user.id,
        checkoutSessionId: `cs_b_${user.id}`,
        requested: 100,
        reason: 'refund_clawback',
        key: `refund:ch_b_${user.id}:1000`,
        sourceType: 'charge',
        sourceId: `ch_b_${user.id}`,
      }),
    );
    expect(taken).toBe(100);
    // A pack whose catalog entry says expires_in_days grants credits that expire; the others never do.
    await inTx((m) =>
      grants.grantPurchase(m, {
        userId: user.id,
        checkoutSessionId: `cs_c_${user.id}`,
        packageId: null,
        paymentIntentId: null,
        credits: 10,
        amountTotal: 100,
        currency: 'usd',
        expiresInDays: 30,
      }),
    );
    const expiring: Array<{ days: number }> = await t.dataSource.query(
      `SELECT round(extract(epoch FROM expires_at - created_at) / 86400)::int AS days FROM credit_grants
        WHERE user_id = $1 AND source = 'purchase' ORDER BY created_at`,
      [user.id],
    );
    expect(expiring).toEqual([{ days: null }, { days: null }, { days: 30 }]);
    const [b]: Array<{ id: string }> = await t.dataSource.query(
      'SELECT id FROM credit_grants WHERE user_id = $1 AND idempotency_key = $2',
      [user.id, `purchase:cs_b_${user.id}`],
    );
    expect(await ledgerRows(user, 'refund_clawback')).toEqual([
      { grant_id: b.id, bucket: 'purchased', amount: -100 },
    ]);
    expect(await balance(user)).toMatchObject({
      purchased_credits: 80,
      expiring: [expect.objectContaining({ amount: 10 })],
      overage: NO_OVERAGE,
    });
    expect(await verify()).toEqual([]);
  });

  it('tells the host app: credits.granted, credits.expiring_soon, credits.expired, credits.voided, credits.hold_settled', async () => {
    // credits.hold_settled is one event per hold: recorded only while an endpoint subscribes to it.
    const receiver = new WebhookReceiver();
    await receiver.start();
    await t
      .http()
      .post('/admin/webhook-endpoints')
      .set(admin.auth)
      .send({ url: receiver.url, events: ['credits.hold_settled'] })
      .expect(201);
    const user = await registerUser(t);
    const soon = await grant(user, { amount: 4, expires_in_days: 1 });
    const later = await grant(user, { amount: 6, expires_in_days: 30 });
    const hold = await t
      .http()
      .post('/credits/holds')
      .set(user.auth)
      .set('Idempotency-Key', randomUUID())
      .send({ amount: 5 })
      .expect(201);
    await t
      .http()
      .post(`/credits/holds/${hold.body.hold_id}/capture`)
      .set(user.auth)
      .send({ amount: 2 })
      .expect(200);
    await t.app.get(CreditExpiryScheduler).run(); // `soon` expires within CREDITS_EXPIRING_SOON_HOURS (72)
    await expireNow(soon.id);
    await t.app.get(CreditExpiryScheduler).run();
    await t
      .http()
      .post(`/admin/users/${user.id}/grants/${later.id}/void`)
      .set(admin.auth)
      .send({ reason: 'campaign over' })
      .expect(200);

    const events: Array<{ type: string; data: Record<string, unknown> }> = (
      await t.dataSource.query<Array<{ type: string; payload: { data: Record<string, unknown> } }>>(
        `SELECT type, payload FROM outbound_events WHERE user_id = $1 AND type LIKE 'credits.%' ORDER BY sequence`,
        [user.id],
      )
    ).map((r) => ({ type: r.type, data: r.payload.data }));
    expect(events.map((e) => e.type)).toEqual([
      'credits.granted',
      'credits.granted',
      'credits.hold_settled',
      'credits.expiring_soon',
      'credits.expired',
      'credits.voided',
      'credits.depleted', // the void took the total to 0
    ]);
    expect(events[0].data).toMatchObject({
      grant_id: soon.id,
      amount: 4,
      bucket: 'promotional',
      reason: 'grant',
      expires_at: soon.expires_at,
    });
    // The hold took 4 from `soon` and 1 from `later`; the capture kept 2 and returned 3 (1 to later, 2 to soon).
    expect(events[2].data).toMatchObject({
      status: 'captured',
      captured: 2,
      returned: 3,
      total_credits: 8,
      held_credits: 0,
    });
    expect(events[3].data).toEqual({
      grant_id: soon.id,
      amount: 2,
      bucket: 'promotional',
      expires_at: soon.expires_at,
    });
    expect(events[4].data).toMatchObject({
      grant_id: soon.id,
      amount: 2,
      reason: 'grant_expiry',
      total_credits: 6,
    });
    expect(events[5].data).toMatchObject({
      grant_id: later.id,
      amount: 6,
      note: 'campaign over',
      total_credits: 0,
    });
    expect(await verify()).toEqual([]);
    await receiver.stop();
  });
});
