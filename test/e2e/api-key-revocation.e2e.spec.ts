import { createApiKey } from '../factories/api-key.factory';
import { registerUser } from '../factories/user.factory';
import { postgresServerUrl } from '../support/local-postgres';
import { createTestApp, TestApp, waitFor } from '../support/test-app';
import { createScratchDatabase } from '../support/test-database';

const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });
/** PUT /users/{id} with a users:write key: any status but 200 means the key was refused. */
const useKey = (t: TestApp, secret: string) =>
  t.http().put('/users/ext-revocation').set(bearer(secret)).send({});

/**
 * `t` answers the key from memory: revoked behind the service's back (no notice), the key still works — the
 * query the cache saves (the age limit bounds how long such a change can go unseen). Then it is restored.
 */
async function expectAnsweredFromMemory(t: TestApp, key: { id: string; secret: string }) {
  await useKey(t, key.secret).expect(200);
  await t.dataSource.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [key.id]);
  await useKey(t, key.secret).expect(200);
  await t.dataSource.query('UPDATE api_keys SET revoked_at = NULL WHERE id = $1', [key.id]);
}

describe('API key revocation against the verified-key cache (e2e)', () => {
  it('a verified key is answered from memory, and revoking it refuses it at once (one process)', async () => {
    const t = await createTestApp();
    try {
      const admin = await registerUser(t, 'admin@tollgate.test');
      const key = await createApiKey(t, admin, ['users:write']);
      await expectAnsweredFromMemory(t, key);

      await t.http().delete(`/admin/api-keys/${key.id}`).set(admin.auth).expect(200);
      const refused = await useKey(t, key.secret).expect(401);
      expect(refused.body.code).toBe('API_KEY_INVALID');
    } finally {
      await t.close();
    }
  });

  // Two app instances on one PostgreSQL database share nothing but the database: the revocation can only reach
  // the second through its LISTEN connection. Without PostgreSQL the test is reported as skipped, by name.
  const server = postgresServerUrl();
  const withPostgres = server ? it : it.skip;
  withPostgres('revoked on one of two replicas, the key is refused by the other within 1 s', async () => {
    const scratch = await createScratchDatabase(server!);
    const apps: TestApp[] = [];
    try {
      apps.push(
        await createTestApp({ databaseUrl: scratch.url, env: { DB_MIGRATE_ON_START: 'true' } }),
        await createTestApp({ databaseUrl: scratch.url }),
      );
      const [a, b] = apps;
      const admin = await registerUser(a, 'admin@tollgate.test');
      const key = await createApiKey(a, admin, ['users:write']);
      // B answers this key from memory now: the revocation's notice is its only way to learn otherwise.
      await expectAnsweredFromMemory(b, key);

      await a.http().delete(`/admin/api-keys/${key.id}`).set(admin.auth).expect(200);
      const revokedAt = Date.now();
      await waitFor(async () => (await useKey(b, key.secret)).status === 401, 'replica B to refuse', 1_000);
      expect(Date.now() - revokedAt).toBeLessThan(1_000);
    } finally {
      for (const app of apps.reverse()) await app.close();
      await scratch.drop();
    }
  });
});
