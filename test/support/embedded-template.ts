import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../../src/config/database.config';
import { seedPath } from '../../src/common/db/embedded-seed';
import { runMigrationsLocked } from '../../src/common/db/migrations';
import { buildDataSourceOptions } from '../../src/database/typeorm-options';

const ROOT = join(__dirname, '..', '..');

/** Which template: the PGlite version (in the seed's name) and every migration's source. */
function templateKey(): string {
  const hash = createHash('sha256').update(seedPath());
  const dir = join(ROOT, 'migrations');
  for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(join(dir, name)));
  return hash.digest('hex').slice(0, 16);
}

let loaded: Blob | undefined;

/**
 * An embedded database initialised and migrated once, kept as an uncompressed tarball under the system's temp
 * directory (shared by every test worker and run until a migration or PGlite changes), so a test app's
 * embedded database opens ready instead of running initdb and every migration. Each app still gets its own
 * database: the template is only where it starts.
 */
export async function embeddedTemplate(): Promise<Blob> {
  if (loaded) return loaded;
  const dir = join(tmpdir(), 'tollgate-test-templates');
  const path = join(dir, `pglite-migrated-${templateKey()}.tar`);
  if (!existsSync(path)) {
    // The app's own options builder and migration runner, on a new in-memory embedded database.
    const resolved = await buildDataSourceOptions(loadDatabaseConfig({ PGLITE_DATA_DIR: 'memory://' }));
    const embedded = resolved.embedded!;
    try {
      const ds = await new DataSource(resolved.options).initialize();
      await runMigrationsLocked(ds, true);
      await ds.destroy();
      mkdirSync(dir, { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, Buffer.from(await (await embedded.dump()).arrayBuffer()));
      renameSync(tmp, path); // atomic: a worker racing this one reads either no file or a whole one
    } finally {
      await embedded.stop();
    }
  }
  loaded = new Blob([readFileSync(path)]);
  return loaded;
}
