#!/usr/bin/env node
// `prepare` (runs on npm ci / npm install): compile, then cache an initialised embedded PostgreSQL so the first
// `npm start` skips initdb. Best effort: a failure here only makes the first start a few seconds slower.
const { spawnSync } = require('node:child_process');

const run = (cmd, args) =>
  spawnSync(cmd, args, { stdio: 'inherit', shell: process.platform === 'win32' }).status === 0;
if (!(
  run('npm', ['run', '--silent', 'build:fast']) && run(process.execPath, ['dist/src/cli/pglite-seed.js'])
)) {
  console.warn('tollgate: embedded PostgreSQL seed not prepared; the first start will run initdb instead.');
}
