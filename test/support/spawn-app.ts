import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
export const MAIN = join(ROOT, 'dist', 'src', 'main.js');

/** Compiles src/ and migrations/ into dist/ with swc (what `npm run build:fast` does); `npm test` builds nothing. */
export function buildDist(): void {
  const swc = join(ROOT, 'node_modules', '.bin', 'swc');
  const out = spawnSync(swc, ['src', 'migrations', '-d', 'dist', '--config-file', '.swcrc', '--quiet'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (out.status !== 0 || !existsSync(MAIN)) throw new Error(`swc build failed: ${out.stderr}`);
}

export interface SpawnedApp {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; ms: number }>;
}

/**
 * `node dist/src/main.js` as an operator runs it: a development environment (not NODE_ENV=test, whose
 * defaults hide the behaviour under test), embedded in-memory database, no inherited DATABASE_URL/REDIS_URL.
 */
export function spawnApp(
  env: Record<string, string | undefined>,
  script = MAIN,
  args: string[] = [],
): SpawnedApp {
  const base: Record<string, string | undefined> = { ...process.env };
  for (const key of [
    'JEST_WORKER_ID',
    'DATABASE_URL',
    'REDIS_URL',
    'NODE_ENV',
    'PORT',
    'STRIPE_EMULATOR_PORT',
  ]) {
    delete base[key];
  }
  const data = mkdtempSync(join(tmpdir(), 'tollgate-spawn-'));
  const started = Date.now();
  const child = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: {
      ...base,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      PORT: '0',
      HOST: '127.0.0.1',
      PGLITE_DATA_DIR: 'memory://',
      STRIPE_EMULATOR_STATE: join(data, 'emulator.json'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; ms: number }>((resolve) =>
    child.on('exit', (code) => resolve({ code, ms: Date.now() - started })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}
