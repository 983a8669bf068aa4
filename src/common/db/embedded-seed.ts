import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/**
 * A freshly initialised, empty PGlite data directory, cached as a tarball under node_modules/.cache (written
 * by `npm ci` through the `prepare` script). Loading it takes ~1.5 s where initdb takes ~5 s, which keeps the
 * first `npm start` and every in-memory test database fast. Keyed by the PGlite version.
 */
export function seedPath(): string {
  // The package does not export its package.json: walk up from its entry point to find it.
  let dir = dirname(require.resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string };
  // <project>/node_modules/@electric-sql/pglite → <project>/node_modules/.cache/tollgate
  return join(dir, '..', '..', '.cache', 'tollgate', `pglite-${version}-seed.tar.gz`);
}

let template: Blob | undefined;

/**
 * Every new embedded database in this process starts from `seed` (an initialised data directory, as
 * `PGlite.dumpDataDir` writes it) instead of the cached empty one: the test suite's migrated template, so each
 * test app skips initdb and the migrations. Undefined restores the default.
 */
export function useEmbeddedTemplate(seed: Blob | undefined): void {
  template = seed;
}

export function readSeed(): Blob | undefined {
  if (template) return template;
  const path = seedPath();
  return existsSync(path) ? new Blob([readFileSync(path)]) : undefined;
}

export async function writeSeed(): Promise<string> {
  const path = seedPath();
  if (existsSync(path)) return path;
  const db = await PGlite.create('memory://');
  const dump = await db.dumpDataDir('gzip');
  await db.close();
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
  renameSync(tmp, path);
  return path;
}
