import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};
const OPERATOR = [
  'start',
  'migration:run',
  'migration:revert',
  'admin:create',
  'credits:verify',
  'retention:run',
  'catalog:push',
  'catalog:sync',
  'stripe:emulator',
  'stripe:trigger',
  'stripe:replay',
  'stripe:reconcile',
];

/** The production image's layout: package.json, scripts/run.js, dist/, production node_modules (no swc). */
function productionLayout(withEntry: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-image-'));
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(join(ROOT, 'scripts', 'run.js'), join(dir, 'scripts', 'run.js'));
  mkdirSync(join(dir, 'dist', 'src', 'cli'), { recursive: true });
  if (withEntry) {
    writeFileSync(
      join(dir, 'dist', 'src', 'cli', 'echo.js'),
      'process.stdout.write(JSON.stringify({ argv: process.argv.slice(2), main: require.main === module }));',
    );
  }
  return dir;
}

const run = (dir: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(dir, 'scripts', 'run.js'), ...args], { cwd: dir, encoding: 'utf8' });

describe('operator commands in the production image', () => {
  it('every operator npm script runs through scripts/run.js, never swc or build:fast directly', () => {
    for (const name of OPERATOR) {
      expect([name, pkg.scripts[name]]).toEqual([
        name,
        expect.stringMatching(/^node scripts\/run\.js \S+\.js/),
      ]);
      expect(pkg.scripts[name]).not.toMatch(/swc|build:fast|tsc|ts-node/);
    }
  });

  it('runs the built file with its arguments where no dev tools are installed', () => {
    const out = run(productionLayout(true), 'cli/echo.js', 'run', '--since', '2h');
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ argv: ['run', '--since', '2h'], main: true });
  });

  it('says in one line that dist is missing instead of a stack trace', () => {
    const out = run(productionLayout(false), 'cli/migrate.js', 'run');
    expect(out.status).toBe(1);
    expect(out.stderr.trim().split('\n')).toEqual([
      'tollgate: dist/src/cli/migrate.js is missing: run npm run build first (the Docker image ships it built)',
    ]);
  });

  it('the Dockerfile ships scripts/run.js in the runtime stage', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).toMatch(/^COPY .*scripts\/run\.js/m);
    expect(runtime).toMatch(/^COPY .*\/app\/dist/m);
  });
});
