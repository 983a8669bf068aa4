import { registerUser, TestUser } from '../factories/user.factory';
import { createTestApp, TestApp } from '../support/test-app';

interface AuditEntry {
  id: string;
  actor: { type: string; id: string; label: string | null };
  action: string;
  target: Record<string, string>;
  reason: string | null;
  request_id: string | null;
  status: number;
}

/** Every admin write and every API-key write is an append-only audit row; reads and refusals are not. */
describe('audit log (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await registerUser(t, 'admin@tollgate.test');
  });
  afterAll(async () => t.close());

  const log = async (query = '') =>
    (await t.http().get(`/admin/audit-log${query}`).set(admin.auth).expect(200)).body as {
      entries: AuditEntry[];
      next_cursor: string | null;
    };

  it("records an admin's write with who, what, on what, why and the request id; not reads, not refusals", async () => {
    const user = await registerUser(t);
    const before = (await log()).entries.length;
    await t.http().get(`/admin/users/${user.id}`).set(admin.auth).expect(200);
    await t
      .http()
      .post(`/admin/users/${user.id}/credits`)
      .set(admin.auth)
      .send({ amount: -5, bucket: 'purchased', reason: 'more than they have' })
      .expect(402);
    const granted = await t
      .http()
      .post(`/admin/users/${user.id}/credits`)
      .set(admin.auth)
      .send({ amount: 25, bucket: 'purchased', reason: 'goodwill for ticket 123' })
      .expect(201);
    // A user's own writes are theirs, not an operator's: not audited.
    await t.http().post('/credits/consume').set(user.auth).send({ amount: 1, reason: 'job' }).expect(200);

    const { entries } = await log();
    expect(entries.length).toBe(before + 1);
    expect(entries[0]).toMatchObject({
      actor: { type: 'user', id: admin.id, label: 'admin@tollgate.test' },
      action: 'POST /admin/users/:id/credits',
      target: { id: user.id },
      reason: 'goodwill for ticket 123',
      request_id: granted.headers['x-request-id'],
      status: 201,
    });
  });

  it('records writes made with an API key, the key as the actor; pages newest first with a cursor', async () => {
    const created = await t
      .http()
      .post('/admin/api-keys')
      .set(admin.auth)
      .send({ name: 'billing-backend', scopes: ['users:write', 'credits:consume'] })
      .expect(201);
    const key = created.body as { id: string; secret: string };
    await t
      .http()
      .put('/users/ext_audit_1')
      .set('Authorization', `Bearer ${key.secret}`)
      .send({ email: 'ext1@example.com' })
      .expect((res) => expect([200, 201]).toContain(res.status));
    // Spending with the key is in the ledger, not the audit log (the metering path pays for no second write).
    const [{ id: extUserId }]: Array<{ id: string }> = await t.dataSource.query(
      `SELECT id FROM users WHERE external_id = 'ext_audit_1'`,
    );
    await t
      .http()
      .post(`/admin/users/${extUserId}/credits`)
      .set(admin.auth)
      .send({ amount: 5, bucket: 'purchased', reason: 'funds for the consume' })
      .expect(201);
    await t
      .http()
      .post('/credits/consume')
      .set('Authorization', `Bearer ${key.secret}`)
      .set('X-Tollgate-User', 'ext_audit_1')
      .send({ amount: 1, reason: 'job' })
      .expect(200);
    const mine = await log(`?actor_id=${key.id}`);
    expect(mine.entries).toEqual([
      expect.objectContaining({
        actor: { type: 'api_key', id: key.id, label: 'billing-backend' },
        action: 'PUT /users/:external_id',
        target: { external_id: 'ext_audit_1' },
      }),
    ]);
    // The key's creation was an admin's write.
    expect((await log('?action=api-keys')).entries[0]).toMatchObject({ action: 'POST /admin/api-keys' });

    const first = await log('?limit=1');
    expect(first.entries).toHaveLength(1);
    const second = await log(`?limit=1&cursor=${first.next_cursor}`);
    expect(Number(second.entries[0].id)).toBeLessThan(Number(first.entries[0].id));
  });

  it('is append-only in the database, and admin-only over HTTP', async () => {
    await expect(t.dataSource.query('UPDATE audit_log SET reason = NULL')).rejects.toThrow(/append-only/);
    await expect(t.dataSource.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    const user = await registerUser(t);
    await t.http().get('/admin/audit-log').set(user.auth).expect(403);
    await t.http().get('/admin/audit-log?limit=0').set(admin.auth).expect(400);
  });
});
