#!/usr/bin/env node
// `node scripts/prune-runtime.js [node_modules dir]`: run by the Dockerfile after `npm prune --omit=dev`. Removes
// what the runtime never loads but the dependency graph drags in: the TypeScript compiler (a peer of
// @nestjs/swagger's build-time plugin), ts-node and swc (typeorm's optional peer, kept because it is also a dev
// dependency), type declarations, source maps, and PGlite's contrib extensions (Tollgate loads none; the
// extension packages are pglite-socket's, for its CLI). Prints the size before and after.
// test/e2e/lean-image.e2e.spec.ts boots the app with every one of these blocked, so the list stays true.
const { existsSync, lstatSync, readdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');

/** Package directories (under node_modules) the runtime never requires. */
const REMOVED_PACKAGES = [
  'typescript',
  'ts-node',
  '@swc',
  '@types',
  '@electric-sql/pglite-age',
  '@electric-sql/pglite-pg_hashids',
  '@electric-sql/pglite-pg_ivm',
  '@electric-sql/pglite-pg_textsearch',
  '@electric-sql/pglite-pg_uuidv7',
  '@electric-sql/pglite-pgtap',
  '@electric-sql/pglite-pgvector',
];
/** Files the runtime never reads: declarations, source maps, PGlite's extension bundles. */
const REMOVED_FILES = /(\.d\.[cm]?ts|\.map)$|[\\/]@electric-sql[\\/]pglite[\\/]dist[\\/][^\\/]+\.tar\.gz$/;

function size(path) {
  const s = lstatSync(path); // links (node_modules/.bin) count as themselves
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, name) => sum + size(join(path, name)), 0);
}

function removeFiles(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removeFiles(path);
    else if (REMOVED_FILES.test(path)) rmSync(path);
    else if (entry.isSymbolicLink() && !existsSync(path)) rmSync(path); // a .bin link into a removed package
  }
}

module.exports = { REMOVED_PACKAGES, REMOVED_FILES };

if (require.main === module) {
  const modules = process.argv[2] ?? join(process.cwd(), 'node_modules');
  const before = size(modules);
  for (const name of REMOVED_PACKAGES) {
    const path = join(modules, name);
    if (existsSync(path)) rmSync(path, { recursive: true, force: true });
  }
  removeFiles(modules);
  const after = size(modules);
  const mib = (n) => `${(n / 1048576).toFixed(1)} MiB`;
  process.stdout.write(
    `node_modules: ${mib(before)} -> ${mib(after)} (${mib(before - after)} never loaded)\n`,
  );
}
