#!/usr/bin/env node
// `node scripts/run.js <file under src/, e.g. cli/migrate.js> [args…]`: what every operator npm script runs.
// In a checkout with dev dependencies (swc present) it compiles first, so a command never runs stale code; in the
// production image (no dev tools, dist/ built once at image build) it runs dist/ directly. Plain CommonJS on
// purpose: it must run where only `node` and the production dependencies exist.
const { spawn, spawnSync } = require('node:child_process');
const os = require('node:os');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: node scripts/run.js <file under src/, e.g. cli/migrate.js> [args…]\n');
  process.exit(2);
}
const swc = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'swc.cmd' : 'swc');
if (existsSync(swc) && existsSync(join(root, 'src'))) {
  const build = spawnSync(swc, ['src', 'migrations', '-d', 'dist', '--config-file', '.swcrc', '--quiet'], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const target = join(root, 'dist', 'src', entry);
if (!existsSync(target)) {
  process.stderr.write(
    `tollgate: ${join('dist', 'src', entry)} is missing: run npm run build first (the Docker image ships it built)\n`,
  );
  process.exit(1);
}
// A child of its own, so the command is `require.main` exactly as with `node dist/src/…`; signals are passed on
// (SIGTERM from `docker stop` or Kubernetes reaches the app's graceful shutdown) and its exit code is ours.
const child = spawn(process.execPath, [...process.execArgv, target, ...args], { cwd: root, stdio: 'inherit' });
// Ctrl-C already reaches the child (same process group): SIGINT is only kept from killing this parent first.
process.on('SIGINT', () => undefined);
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
