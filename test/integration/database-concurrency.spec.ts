import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../../src/config/database.config';
import { buildDataSourceOptions, ResolvedDatabase } from '../../src/database/typeorm-options';
import { createScratchDatabase, realDatabaseUrl } from '../support/test-database';

/**
 * PGlite is one session: without the single-connection pool, concurrent transactions interleave inside it
 * and lose updates. 50 concurrent read-FOR-UPDATE-then-write transactions must all land, on both databases.
 */
describe('database concurrency', () => {
  let resolved: ResolvedDatabase;
  let ds: DataSource;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const server = realDatabaseUrl();
    const env: NodeJS.ProcessEnv = { NODE_ENV: 'test' };
    if (server) {
      const scratch = await createScratchDatabase(server);
      drop = scratch.drop;
      env.DATABASE_URL = scratch.url;
    }
    resolved = await buildDataSourceOptions(loadDatabaseConfig(env));
    ds = await new DataSource(resolved.options).initialize();
    await ds.query('CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL)');
    await ds.query('INSERT INTO counter VALUES (1, 0)');
  });

  afterAll(async () => {
    await ds.destroy();
    await resolved.embedded?.stop();
    await drop?.();
  });

  it('loses no update across 50 concurrent read-lock-write transactions', async () => {
    await Promise.all(
      Array.from({ length: 50 }, () =>
        ds.transaction(async (m) => {
          const [row] = await m.query('SELECT n FROM counter WHERE id = 1 FOR UPDATE');
          await new Promise((r) => setImmediate(r)); // yield so others get a chance to interleave
          await m.query('UPDATE counter SET n = $1 WHERE id = 1', [row.n + 1]);
        }),
      ),
    );
    const [row] = await ds.query('SELECT n FROM counter WHERE id = 1');
    expect(row.n).toBe(50);
  });

  it('has entities that match the migrated schema exactly (migration:generate would find nothing)', async () => {
    await ds.runMigrations();
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('runs every migration down and up again', async () => {
    const migrations = resolved.options.migrations as unknown[];
    await ds.runMigrations();
    for (let i = 0; i < migrations.length; i++) await ds.undoLastMigration();
    const [{ count }] = await ds.query(
      `SELECT count(*)::int AS count FROM information_schema.tables WHERE table_name = 'users'`,
    );
    expect(count).toBe(0);
    await ds.runMigrations();
    const [{ again }] = await ds.query(
      `SELECT count(*)::int AS again FROM information_schema.tables WHERE table_name = 'users'`,
    );
    expect(again).toBe(1);
  });
});
