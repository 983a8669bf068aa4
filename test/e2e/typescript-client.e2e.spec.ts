import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createTestApp, type TestApp } from '../support/test-app';

const CLIENT = join(__dirname, '../../clients/typescript');
const withoutVersion = (doc: { info?: object }) => ({ ...doc, info: { ...doc.info, version: '-' } });

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

describe('typed TypeScript client (clients/typescript)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('is generated from the document /docs-json serves now (run `npm run client:generate` if this fails)', async () => {
    const served = (await t.http().get('/docs-json').expect(200)).body as { info?: object };
    const committed = JSON.parse(readFileSync(join(CLIENT, 'openapi.json'), 'utf8')) as { info?: object };
    expect(withoutVersion(committed)).toEqual(withoutVersion(served));

    const scratch = mkdtempSync(join(tmpdir(), 'tollgate-client-'));
    try {
      writeFileSync(join(scratch, 'openapi.json'), JSON.stringify(served));
      execFileSync(process.execPath, [
        join(CLIENT, 'scripts/generate.mjs'),
        join(scratch, 'openapi.json'),
        join(scratch, 'out'),
      ]);
      const fresh = files(join(scratch, 'out'));
      const current = files(join(CLIENT, 'src/generated'));
      expect([...current.keys()].sort()).toEqual([...fresh.keys()].sort());
      for (const [name, text] of fresh) expect({ name, text: current.get(name) }).toEqual({ name, text });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
  // Calling the API through the client: typescript-client-package.e2e.spec.ts, from the packed tarball.
});
