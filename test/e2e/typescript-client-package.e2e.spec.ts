import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, type TestApp } from '../support/test-app';

const ROOT = join(__dirname, '..', '..');
const CLIENT = join(ROOT, 'clients', 'typescript');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const NPM_CLI = process.env.npm_execpath; // the npm running `npm test`, when there is one

/** npm through the running node (no PATH lookups); --offline: the client has no dependencies to fetch. */
function npm(args: string[], cwd: string): string {
  const [cmd, pre] = NPM_CLI?.endsWith('.js') ? [process.execPath, [NPM_CLI]] : ['npm', []];
  return execFileSync(cmd, [...pre, ...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

/** The ```ts blocks of the client's README, in order. */
function readmeExamples(): string[] {
  const readme = readFileSync(join(CLIENT, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/**
 * The client as an app installs it: `npm pack` (which builds dist/ through prepack), the tarball installed into a
 * scratch ESM project offline, the README's examples compiled by tsc with moduleResolution nodenext and run by
 * plain node against a live server.
 */
describe('@tollgate/client installed from its packed tarball', () => {
  let t: TestApp;
  let scratch: string;
  let tarball: string;

  beforeAll(async () => {
    t = await createTestApp();
    scratch = mkdtempSync(join(tmpdir(), 'tollgate-client-pkg-'));
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', scratch], CLIENT)) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    tarball = join(scratch, packed[0].filename);
    const files = packed[0].files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'README.md', 'package.json']),
    );
    expect(files.filter((f) => f.startsWith('src/'))).toEqual([]);
    const app = join(scratch, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, type: 'module' }),
    );
    npm(['install', '--offline', tarball], app);
  }, 180_000);
  afterAll(async () => {
    await t.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('is publishable: not private, an exports map to ESM and types, its version the API version', () => {
    const pkg = JSON.parse(
      readFileSync(join(scratch, 'app', 'node_modules', '@tollgate', 'client', 'package.json'), 'utf8'),
    ) as {
      private?: boolean;
      type: string;
      version: string;
      exports: Record<string, { types: string; import: string }>;
    };
    expect(pkg.private).toBeUndefined();
    expect(pkg.type).toBe('module');
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    const api = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(pkg.version).toBe(api.version);
    const compiled = readdirSync(
      join(scratch, 'app', 'node_modules', '@tollgate', 'client', 'dist', 'generated'),
    );
    expect(compiled).toEqual(expect.arrayContaining(['sdk.gen.js', 'sdk.gen.d.ts']));
  });

  it('the README examples compile with tsc --moduleResolution nodenext and run with plain node against a live server', async () => {
    const app = join(scratch, 'app');
    // The backend example's key and user: an admin (ADMIN_EMAILS of the test app) creates a real key.
    const admin = await t
      .http()
      .post('/auth/register')
      .send({ email: 'admin@tollgate.test', password: 'correct horse battery' })
      .expect(201);
    const key = await t
      .http()
      .post('/admin/api-keys')
      .set('Authorization', `Bearer ${admin.body.access_token}`)
      .send({ name: 'client-package-test', scopes: ['users:write', 'credits:consume'] })
      .expect(201);
    const examples = readmeExamples();
    expect(examples).toHaveLength(2);
    examples.forEach((code, i) =>
      writeFileSync(
        join(app, `example${i + 1}.mts`),
        code.replaceAll('http://localhost:8000', t.url).replace('tg_your_api_key', key.body.secret as string),
      ),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          types: [],
          outDir: 'out',
        },
        files: ['example1.mts', 'example2.mts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.json', '--moduleResolution', 'nodenext'], {
      cwd: app,
      encoding: 'utf8',
    });
    expect({ status: tsc.status, out: tsc.stdout + tsc.stderr }).toEqual({ status: 0, out: '' });

    // Asynchronously: the live server runs in this very process and must keep answering.
    const run = async (file: string) =>
      (await promisify(execFile)(process.execPath, [join('out', file)], { cwd: app, encoding: 'utf8' }))
        .stdout;
    const first = await run('example1.mjs');
    expect(first).toContain('credits: 0\n');
    expect(first).toContain('out of credits (402): ');
    const second = await run('example2.mjs');
    // The user exists now (PUT /users/user_42 through the key) and has no credits: a typed error body.
    expect(second).toMatch(/^INSUFFICIENT_CREDITS [0-9a-f-]{36}\n$/);
    const users = await t.dataSource.query<Array<{ email: string }>>(
      `SELECT email FROM users WHERE external_id = 'user_42'`,
    );
    expect(users).toEqual([{ email: 'ada@example.com' }]);
  });
});
