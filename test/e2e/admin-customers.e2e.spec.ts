import { UsersService } from '../../src/users/users.service';
import { registerUser, TestUser } from '../factories/user.factory';
import { catalogPrice, createPackCheckout, ledgerReasons, waitForCredits } from '../support/stripe-helpers';
import { createTestApp, TestApp, waitFor } from '../support/test-app';

interface Payment {
  payment_intent_id: string;
  kind: string;
  amount: number;
  amount_refunded: number;
  refundable: boolean;
}

/** An operator's view of a customer's money, and the admin's refund that claws a pack's credits back. */
describe('admin customer money routes (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  let support: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await registerUser(t, 'admin@tollgate.test');
    support = await registerUser(t);
    await t.app.get(UsersService).setRole(support.email, 'support');
  });
  afterAll(async () => t.close());

  const buyPack = async (user: TestUser): Promise<void> => {
    const pack = await catalogPrice(t, 'one_time', '100 Credits');
    const session = await createPackCheckout(t, user, pack);
    expect(await t.emulator.completeCheckout(session)).toEqual({ ok: true });
    await waitForCredits(t, user, 100);
  };
  const paymentsOf = async (caller: TestUser, ref: string) =>
    (await t.http().get(`/admin/users/${ref}/payments`).set(caller.auth).expect(200)).body
      .payments as Payment[];

  it('an admin refunds a pack: the credits are clawed back by the refund webhook and the action is audited', async () => {
    const customer = await registerUser(t);
    await buyPack(customer);
    const [payment] = await paymentsOf(support, customer.id);
    expect(payment).toMatchObject({ kind: 'credit_pack', amount_refunded: 0, refundable: true });

    const path = `/admin/users/${customer.id}/payments/${payment.payment_intent_id}/refund`;
    const refused = await t.http().post(path).set(support.auth).send({ reason: 'asked nicely' }).expect(403);
    expect(refused.body.code).toBe('FORBIDDEN');
    await t.http().post(path).set(admin.auth).send({}).expect(400); // a reason is required

    const refund = (await t.http().post(path).set(admin.auth).send({ reason: 'ticket #77' }).expect(200))
      .body;
    expect(refund).toMatchObject({ refund_id: expect.stringMatching(/^re_/), amount: payment.amount });
    await waitForCredits(t, customer, 0);
    expect(await ledgerReasons(t, customer)).toEqual(['refund_clawback', 'purchase']); // newest first;
    await waitFor(
      async () => (await paymentsOf(admin, customer.id))[0].refundable === false,
      'the payment to show as refunded',
    );
    expect((await t.http().post(path).set(admin.auth).send({ reason: 'again' }).expect(409)).body.code).toBe(
      'CONFLICT',
    );

    const audit = (
      await t.http().get('/admin/audit-log').query({ action: '/refund' }).set(admin.auth).expect(200)
    ).body.entries;
    expect(audit).toEqual([
      expect.objectContaining({
        actor: { type: 'user', id: admin.id, label: admin.email },
        action: 'POST /admin/users/:ref/payments/:payment_intent_id/refund',
        target: { ref: customer.id, payment_intent_id: payment.payment_intent_id },
        reason: 'ticket #77',
        status: 200,
      }),
    ]);
  });

  it("refuses a payment that is not the customer's, and lists nothing for a customer without one", async () => {
    const buyer = await registerUser(t);
    await buyPack(buyer);
    const [payment] = await paymentsOf(admin, buyer.id);
    const other = await registerUser(t);
    expect(await paymentsOf(admin, other.id)).toEqual([]);
    const res = await t
      .http()
      .post(`/admin/users/${other.id}/payments/${payment.payment_intent_id}/refund`)
      .set(admin.auth)
      .send({ reason: 'wrong customer' })
      .expect(404);
    expect(res.body.code).toBe('NOT_FOUND');
    await t
      .http()
      .post(`/admin/users/${buyer.id}/payments/not-a-pi/refund`)
      .set(admin.auth)
      .send({ reason: 'bad id' })
      .expect(400);
    expect(await waitForCredits(t, buyer, 100)).toBeTruthy();
  });

  it('pages the outbound events about a customer, newest first', async () => {
    const customer = await registerUser(t);
    await buyPack(customer);
    const page = async (query: Record<string, string | number>) =>
      (
        await t
          .http()
          .get(`/admin/users/${customer.id}/outbound-events`)
          .query(query)
          .set(support.auth)
          .expect(200)
      ).body as { events: Array<{ id: string; type: string; sequence: string }>; next_cursor: string | null };
    const all = await page({ limit: 100 });
    expect(all.next_cursor).toBeNull();
    expect(all.events.map((e) => e.type)).toContain('credits.granted');
    const sequences = all.events.map((e) => Number(e.sequence));
    expect(sequences).toEqual([...sequences].sort((a, b) => b - a));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const one = await page(cursor ? { limit: 1, cursor } : { limit: 1 });
      seen.push(...one.events.map((e) => e.id));
      cursor = one.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.events.map((e) => e.id));
    const other = await registerUser(t);
    expect(
      (await t.http().get(`/admin/users/${other.id}/outbound-events`).set(admin.auth).expect(200)).body
        .events,
    ).toEqual([]);
  });

  it('pages the webhook inbox by cursor, newest first, without gaps or repeats', async () => {
    await buyPack(await registerUser(t));
    const list = async (query: Record<string, string | number>) =>
      (await t.http().get('/admin/webhook-events').query(query).set(support.auth).expect(200)).body as {
        events: Array<{ id: string }>;
        next_cursor: string | null;
      };
    const all = await list({ limit: 500 });
    expect(all.events.length).toBeGreaterThan(3);
    expect(all.next_cursor).toBeNull();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(cursor ? { limit: 2, cursor } : { limit: 2 });
      seen.push(...page.events.map((e) => e.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.events.map((e) => e.id));
    expect(
      (await t.http().get('/admin/webhook-events?cursor=nope').set(admin.auth).expect(400)).body.code,
    ).toBe('VALIDATION_FAILED');
  });

  it("lists a customer's invoices, and the dashboard reads the /metrics figures", async () => {
    const customer = await registerUser(t);
    await buyPack(customer);
    const invoices = (
      await t.http().get(`/admin/users/${customer.id}/invoices`).set(support.auth).expect(200)
    ).body;
    expect(invoices).toMatchObject({ invoices: expect.any(Array), has_more: false });
    const overview = (await t.http().get('/admin/overview').set(support.auth).expect(200)).body;
    expect(overview).toEqual({
      webhook_inbox_backlog: expect.any(Number),
      outbound_undelivered: expect.any(Number),
      outbound_disabled_endpoints: expect.any(Number),
      credits_granted: expect.any(Number),
      credits_consumed: expect.any(Number),
      credits_clawed_back: expect.any(Number),
    });
    expect(overview.credits_granted).toBeGreaterThanOrEqual(100);
    await t.http().get('/admin/overview').set(customer.auth).expect(403);
  });
});
