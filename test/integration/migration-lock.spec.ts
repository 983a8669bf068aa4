import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { loadDatabaseConfig } from '../../src/config/database.config';
import { runMigrationsLocked } from '../../src/common/db/migrations';
import { buildDataSourceOptions } from '../../src/database/typeorm-options';
import { postgresServerUrl } from '../support/local-postgres';
import { createScratchDatabase } from '../support/test-database';

const server = postgresServerUrl();
const names = MIGRATIONS.map((m) => m.name);

describe('migrations under an advisory lock', () => {
  if (server) {
    it('three replicas migrating an empty PostgreSQL at once run each migration exactly once', async () => {
      const scratch = await createScratchDatabase(server);
      const sources: DataSource[] = [];
      try {
        for (let i = 0; i < 3; i++) {
          const { options } = await buildDataSourceOptions(loadDatabaseConfig({ DATABASE_URL: scratch.url }));
          sources.push(await new DataSource(options).initialize());
        }
        const ran = await Promise.all(sources.map((ds) => runMigrationsLocked(ds, false)));
        expect(ran.flat().sort()).toEqual([...names].sort());
        const rows = await sources[0].query<{ name: string }[]>('SELECT name FROM migrations');
        expect(rows.map((r) => r.name).sort()).toEqual([...names].sort());
      } finally {
        await Promise.all(sources.map((ds) => ds.destroy()));
        await scratch.drop();
      }
    });
  } else {
    // No PostgreSQL on this machine: the embedded path (one process, one connection, no lock) still has to hold.
    it('runs every migration once on the embedded database (no PostgreSQL reachable for the replica race)', async () => {
      const resolved = await buildDataSourceOptions(loadDatabaseConfig({ PGLITE_DATA_DIR: 'memory://' }));
      const ds = await new DataSource(resolved.options).initialize();
      try {
        expect(await runMigrationsLocked(ds, true)).toEqual(names);
        expect(await runMigrationsLocked(ds, true)).toEqual([]);
      } finally {
        await ds.destroy();
        await resolved.embedded?.stop();
      }
    });
  }
});
