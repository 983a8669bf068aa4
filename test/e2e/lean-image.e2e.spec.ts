import { join } from 'node:path';
import { REMOVED_PACKAGES } from '../../scripts/prune-runtime.js';
import { buildDist, MAIN, spawnApp } from '../support/spawn-app';
import { waitFor } from '../support/test-app';

const BLOCK = join(__dirname, '..', 'support', 'block-modules.js');
const DIST = join(__dirname, '..', '..', 'dist', 'src');

/**
 * The Docker image drops what scripts/prune-runtime.js lists. No Docker engine runs here, so the proof is the
 * runtime itself: the app (embedded PGlite, built-in emulator, Swagger) and the migration CLI run with every
 * removed package and PGlite extension bundle made impossible to load.
 */
describe('lean image: the runtime never loads what the image leaves out', () => {
  beforeAll(() => buildDist(), 120_000);

  it('lists the compiler, ts-node/swc, type declarations and the PGlite extensions', () => {
    expect(REMOVED_PACKAGES).toEqual(
      expect.arrayContaining(['typescript', 'ts-node', '@swc', '@types', '@electric-sql/pglite-pgvector']),
    );
  });

  it('the app boots, migrates its embedded database, serves Swagger and the catalog with them blocked', async () => {
    const app = spawnApp({ NODE_OPTIONS: `--require ${BLOCK}` }, MAIN);
    try {
      const [, port] = await waitFor(
        () => /listening on http:\/\/localhost:(\d+)/.exec(app.stdout()),
        `the banner: ${app.stderr()}`,
        60_000,
      );
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      expect((await fetch(`${base}/docs-json`)).status).toBe(200);
      expect((await fetch(`${base}/docs`)).status).toBe(200);
      const products = (await (await fetch(`${base}/payments/products?product_type=one_time`)).json()) as {
        products: unknown[];
      };
      expect(products.products.length).toBeGreaterThan(0);
      expect(app.stderr()).not.toContain('lean image:');
    } finally {
      app.child.kill('SIGTERM');
      await app.exited;
    }
  });

  it('the blocker works: requiring a removed package fails', async () => {
    const probe = spawnApp({ NODE_OPTIONS: `--require ${BLOCK}` }, join(DIST, 'cli', 'migrate.js'), ['run']);
    expect((await probe.exited).code).toBe(0); // the migration CLI runs without them too
    const blocked = spawnApp({ NODE_OPTIONS: `--require ${BLOCK}` }, '-e', ["require('typescript')"]);
    expect((await blocked.exited).code).not.toBe(0);
    expect(blocked.stderr()).toContain('lean image: typescript was required');
  });
});
