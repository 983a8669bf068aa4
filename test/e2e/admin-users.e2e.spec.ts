import { registerUser, TestUser } from '../factories/user.factory';
import { catalogPrice } from '../support/stripe-helpers';
import { createTestApp, TestApp, waitFor } from '../support/test-app';
import { NO_OVERAGE } from '../support/credit-shapes';

interface LedgerPage {
  entries: Array<{ id: string; amount: number; reason: string }>;
  next_cursor: string | null;
}

/** Admin routes that name a user take Tollgate's id or the host's external id, and list by cursor. */
describe('admin user routes (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await registerUser(t, 'admin@tollgate.test');
  });
  afterAll(async () => t.close());

  const putExternal = (externalId: string, email?: string) =>
    t
      .http()
      .put(`/users/${encodeURIComponent(externalId)}`)
      .set(admin.auth)
      .send(email ? { email } : {})
      .expect(200)
      .then((r) => r.body as { id: string; external_id: string });

  const grant = (ref: string, amount: number) =>
    t
      .http()
      .post(`/admin/users/${encodeURIComponent(ref)}/credits`)
      .set(admin.auth)
      .send({ amount, bucket: 'purchased', reason: 'goodwill' });

  it('grants and reads by external id as by Tollgate id', async () => {
    const ext = `host_${Date.now()}`;
    const user = await putExternal(ext);
    expect((await grant(ext, 7).expect(201)).body).toMatchObject({ purchased_credits: 7 });
    expect((await grant(user.id, 3).expect(201)).body).toMatchObject({ purchased_credits: 10 });
    const byExt = (await t.http().get(`/admin/users/${ext}`).set(admin.auth).expect(200)).body;
    const byId = (await t.http().get(`/admin/users/${user.id}`).set(admin.auth).expect(200)).body;
    expect(byExt.user.id).toBe(user.id);
    expect(byId).toEqual(byExt);
    expect(byId.credits.purchased_credits).toBe(10);
  });

  it("answers 409 CONFLICT when a reference is one user's id and another's external id, and changes nothing", async () => {
    const local = await registerUser(t);
    const shadow = await putExternal(local.id); // the host chose, as its id, a string that is local's Tollgate id
    expect(shadow.id).not.toBe(local.id);
    const detail = await t.http().get(`/admin/users/${local.id}`).set(admin.auth).expect(409);
    expect(detail.body).toMatchObject({ code: 'CONFLICT' });
    expect((await grant(local.id, 5).expect(409)).body).toMatchObject({ code: 'CONFLICT' });
    expect(
      (await t.http().get(`/admin/users/${local.id}/ledger`).set(admin.auth).expect(409)).body.code,
    ).toBe('CONFLICT');
    // The other user's own id is unambiguous; nobody received the refused grant.
    const other = (await t.http().get(`/admin/users/${shadow.id}`).set(admin.auth).expect(200)).body;
    expect(other.user.external_id).toBe(local.id);
    expect(other.credits.total_credits).toBe(0);
    const [{ n }]: Array<{ n: number }> = await t.dataSource.query(
      'SELECT count(*)::int AS n FROM credit_ledger WHERE user_id = ANY($1)',
      [[local.id, shadow.id]],
    );
    expect(n).toBe(0);
  });

  it('answers 404 for an unknown reference and 400 for a malformed one', async () => {
    expect((await grant('nobody-has-this-id', 5).expect(404)).body.code).toBe('USER_NOT_FOUND');
    expect(
      (await t.http().get('/admin/users/nobody-has-this-id').set(admin.auth).expect(404)).body.code,
    ).toBe('USER_NOT_FOUND');
    expect((await t.http().get('/admin/users/a%20b').set(admin.auth).expect(400)).body.code).toBe(
      'VALIDATION_FAILED',
    );
  });

  it("pages a user's whole ledger by cursor beyond the detail's 20 newest", async () => {
    const user = await registerUser(t);
    for (let i = 1; i <= 25; i++) await grant(user.id, i).expect(201);
    const detail = (await t.http().get(`/admin/users/${user.id}`).set(admin.auth).expect(200)).body as {
      recent_ledger: LedgerPage['entries'];
      ledger_next_cursor: string | null;
    };
    expect(detail.recent_ledger.map((e) => e.amount)).toEqual(Array.from({ length: 20 }, (_, i) => 25 - i));
    expect(detail.ledger_next_cursor).toBe(detail.recent_ledger[19].id);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: LedgerPage = (
        await t
          .http()
          .get(`/admin/users/${user.id}/ledger`)
          .query(cursor ? { limit: 10, cursor } : { limit: 10 })
          .set(admin.auth)
          .expect(200)
      ).body;
      seen.push(...page.entries.map((e) => e.amount));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 25 - i));
    expect(
      (
        await t
          .http()
          .get(`/admin/users/${user.id}/ledger`)
          .query({ cursor: 'x' })
          .set(admin.auth)
          .expect(400)
      ).body.code,
    ).toBe('VALIDATION_FAILED');
  });

  it("filters a user's ledger by reason and date range on the server, paged, and refuses bad filters with 400", async () => {
    const user = await registerUser(t);
    const before = new Date(Date.now() - 1000).toISOString();
    await grant(user.id, 4).expect(201); // admin_adjustment
    const granted = (
      await t
        .http()
        .post(`/admin/users/${user.id}/grants`)
        .set(admin.auth)
        .set('Idempotency-Key', `filter-${user.id}-1`)
        .send({ amount: 6, reason: 'filter test' })
        .expect(201)
    ).body as { id: string };
    await t
      .http()
      .post(`/admin/users/${user.id}/grants`)
      .set(admin.auth)
      .set('Idempotency-Key', `filter-${user.id}-2`)
      .send({ amount: 8, reason: 'filter test' })
      .expect(201);
    await t
      .http()
      .post(`/admin/users/${user.id}/grants/${granted.id}/void`)
      .set(admin.auth)
      .send({ reason: 'issued by mistake' })
      .expect(200);
    const ledger = async (query: Record<string, string | number>, status = 200) =>
      (await t.http().get(`/admin/users/${user.id}/ledger`).query(query).set(admin.auth).expect(status))
        .body as LedgerPage & { code?: string };

    const grants = await ledger({ reason: 'grant' });
    expect(grants.entries.map((e) => [e.reason, e.amount])).toEqual([
      ['grant', 8],
      ['grant', 6],
    ]);
    expect((await ledger({ reason: 'grant_void' })).entries.map((e) => e.amount)).toEqual([-6]);
    // Paged within the filter: one row a page, the cursor keeps the filter's rows only.
    const first = await ledger({ reason: 'grant', limit: 1 });
    expect(first.entries.map((e) => e.amount)).toEqual([8]);
    const second = await ledger({ reason: 'grant', limit: 1, cursor: first.next_cursor! });
    expect(second.entries.map((e) => e.amount)).toEqual([6]);
    expect(second.next_cursor).toBeNull();
    // Dates: [since, until).
    const later = new Date(Date.now() + 60_000).toISOString();
    expect((await ledger({ since: before, until: later })).entries).toHaveLength(4);
    expect((await ledger({ since: later })).entries).toEqual([]);
    expect((await ledger({ until: before })).entries).toEqual([]);
    expect((await ledger({ reason: 'admin_adjustment', since: before })).entries.map((e) => e.amount)).toEqual([
      4,
    ]);
    // Bad input: the stable validation code.
    expect((await ledger({ reason: 'gift' }, 400)).code).toBe('VALIDATION_FAILED');
    expect((await ledger({ since: 'yesterday' }, 400)).code).toBe('VALIDATION_FAILED');
    expect((await ledger({ until: '2026-13-40' }, 400)).code).toBe('VALIDATION_FAILED');
    expect((await ledger({ since: later, until: before }, 400)).code).toBe('VALIDATION_FAILED');
  });

  it('finds users by one term (email, external id, Tollgate id) and pages the results', async () => {
    const ext = `find_${Date.now()}`;
    const external = await putExternal(ext, `shared-${Date.now()}@example.com`);
    const local = await registerUser(t);
    const find = async (query: Record<string, string | number>) =>
      (await t.http().get('/admin/users').query(query).set(admin.auth).expect(200)).body as {
        users: Array<{ id: string }>;
        next_cursor: string | null;
      };
    expect((await find({ q: ext })).users.map((u) => u.id)).toEqual([external.id]);
    expect((await find({ q: local.id })).users.map((u) => u.id)).toEqual([local.id]);
    expect((await find({ q: local.email.toUpperCase() })).users.map((u) => u.id)).toEqual([local.id]);
    expect((await find({ email: local.email })).users.map((u) => u.id)).toEqual([local.id]);
    // A term that is one user's id and another's external id finds both, one page at a time.
    await putExternal(local.id);
    const first = await find({ q: local.id, limit: 1 });
    expect(first.users).toHaveLength(1);
    expect(first.next_cursor).toBe(first.users[0].id);
    const second = await find({ q: local.id, limit: 1, cursor: first.next_cursor! });
    expect(second.users).toHaveLength(1);
    expect(second.users[0].id).not.toBe(first.users[0].id);
    expect(second.next_cursor).toBeNull();
    await t.http().get('/admin/users').set(admin.auth).expect(400);
  });

  it("answers a subscribed user's subscription as get-user-subscription does, and NoSubscription otherwise", async () => {
    const user = await registerUser(t);
    const none = (await t.http().get(`/admin/users/${user.id}`).set(admin.auth).expect(200)).body;
    expect(none.subscription).toEqual({
      has_subscription: false,
      subscription: null,
      credits: {
        monthly_credits: 0,
        purchased_credits: 0,
        promotional_credits: 0,
        total_credits: 0,
        held_credits: 0,
        expiring: [],
        overage: NO_OVERAGE,
      },
    });

    const pro = await catalogPrice(t, 'subscription', 'Pro Plan');
    const created = await t
      .http()
      .post('/payments/create-checkout-session')
      .set(user.auth)
      .send({ price_id: pro.priceId, product_id: pro.productId })
      .expect(200);
    expect(
      await t.emulator.completeCheckout((created.body as { session_id: string }).session_id, {
        card: '4242424242424242',
      }),
    ).toEqual({ ok: true });
    await waitFor(
      async () =>
        (await t.http().get('/payments/get-user-subscription').set(user.auth).expect(200)).body
          .has_subscription === true,
      'the subscription to be mirrored',
    );
    await t.emulator.whenDeliveriesSettled(15_000);
    const own = (await t.http().get('/payments/get-user-subscription').set(user.auth).expect(200)).body;
    const detail = (await t.http().get(`/admin/users/${user.id}`).set(admin.auth).expect(200)).body;
    expect(detail.subscription).toEqual(own);
    expect(detail.subscription).toMatchObject({
      has_subscription: true,
      subscription_id: expect.stringMatching(/^sub_/),
      status: expect.stringMatching(/^(trialing|active)$/),
      has_access: true,
      plan: { name: 'Pro Plan', monthly_credits: 100, interval: 'month' },
      next_renew: expect.any(String),
      cancel_at_period_end: false,
      credits: { monthly_credits: 100 },
    });
  });
});
