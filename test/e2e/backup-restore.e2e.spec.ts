import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';
import { verifyLedger } from '../../src/credits/credits.service';
import { EmbeddedPostgres } from '../../src/common/db/embedded-postgres';
import { registerUser } from '../factories/user.factory';
import { catalogPrice, createPackCheckout, settle, waitForCredits } from '../support/stripe-helpers';
import { createTestApp, TestApp } from '../support/test-app';
import { createScratchDatabase, realDatabaseUrl } from '../support/test-database';

/** What a restore must bring back exactly: the inbox (ids, statuses), balances, ledger, Idempotency-Keys. */
interface Snapshot {
  inbox: Array<{ id: string; status: string }>;
  balances: Array<{ user_id: string; monthly: number; purchased: number }>;
  ledger: Array<{ idempotency_key: string; amount: number }>;
  keys: Array<{ idempotency_key: string }>;
  migrations: Array<{ name: string }>;
}

async function snapshot(db: { query: DataSource['query'] }): Promise<Snapshot> {
  return {
    inbox: await db.query('SELECT id, status FROM webhook_events ORDER BY id'),
    balances: await db.query('SELECT user_id, monthly, purchased FROM credit_balances ORDER BY user_id'),
    ledger: await db.query('SELECT idempotency_key, amount FROM credit_ledger ORDER BY idempotency_key'),
    keys: await db.query('SELECT idempotency_key FROM consume_requests ORDER BY idempotency_key'),
    migrations: await db.query('SELECT name FROM migrations ORDER BY name'),
  };
}

/** State made through the real app: a pack purchase paid on the emulator (webhooks in the inbox), a consume. */
async function makeState(t: TestApp): Promise<void> {
  const user = await registerUser(t);
  const pack = await catalogPrice(t, 'one_time', '100 Credits');
  const session = await createPackCheckout(t, user, pack);
  expect(await t.emulator.completeCheckout(session, { card: '4242424242424242' })).toEqual({ ok: true });
  await waitForCredits(t, user, 100);
  await t
    .http()
    .post('/credits/consume')
    .set(user.auth)
    .set('Idempotency-Key', 'backup-1')
    .send({ amount: 7 });
  await waitForCredits(t, user, 93);
  await settle(t);
}

/** What `npm run credits:verify` checks, and that the inbox and balances came back as they were. */
async function expectRestored(db: DataSource, before: Snapshot): Promise<void> {
  expect(await verifyLedger(db.manager)).toEqual([]);
  const after = await snapshot(db);
  expect(after).toEqual(before);
  expect(after.inbox.some((e) => e.status === 'processed')).toBe(true);
  expect(after.balances.some((b) => b.purchased === 93)).toBe(true);
  // The append-only trigger came back with the data.
  await expect(db.query('DELETE FROM credit_ledger')).rejects.toThrow(/append-only/);
}

const openPostgres = (url: string) => new DataSource({ type: 'postgres', url }).initialize();

describe('backup and restore (e2e)', () => {
  // pg_dump/pg_restore need a PostgreSQL server; reported as skipped, by name, on the embedded pass.
  (realDatabaseUrl() ? it : it.skip)(
    'PostgreSQL: pg_dump -Fc, then pg_restore into a fresh database: ledger verifies, inbox and balances equal',
    async () => {
      const t = await createTestApp();
      const dir = mkdtempSync(join(tmpdir(), 'tollgate-backup-'));
      const restored = await createScratchDatabase(realDatabaseUrl()!);
      let db: DataSource | undefined;
      try {
        await makeState(t);
        const before = await snapshot(t.dataSource);
        const source = (t.dataSource.options as PostgresDataSourceOptions).url!;
        const file = join(dir, 'tollgate.dump');
        // The commands docs/operations.md gives, exactly.
        execFileSync('pg_dump', ['--format=custom', '--no-owner', '--file', file, source]);
        execFileSync('pg_restore', ['--no-owner', '--exit-on-error', '--dbname', restored.url, file]);

        db = await openPostgres(restored.url);
        await expectRestored(db, before);
      } finally {
        await db?.destroy();
        await t.close();
        await restored.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );

  it('embedded: stop the app, copy the PGlite data directory; the copy opens with everything in it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-pglite-'));
    const data = join(dir, 'pglite');
    const copy = join(dir, 'pglite-backup');
    const t = await createTestApp({ embedded: true, env: { PGLITE_DATA_DIR: data } });
    let closed = false;
    try {
      await makeState(t);
      const before = await snapshot(t.dataSource);
      await t.close(); // the server stops: PGlite has flushed and closed its files
      closed = true;
      expect(existsSync(join(data, 'tollgate.lock'))).toBe(false);
      cpSync(data, copy, { recursive: true }); // cp -a .data/pglite backups/pglite-<date>

      const embedded = await EmbeddedPostgres.start(copy);
      const db = await openPostgres(embedded.url);
      try {
        await expectRestored(db, before);
      } finally {
        await db.destroy();
        await embedded.stop();
      }
    } finally {
      if (!closed) await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
