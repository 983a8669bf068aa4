import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
export const MAIN = join(ROOT, 'dist', 'src', 'main.js');

const LOCK = join(ROOT, 'dist.build-lock');
const LOCK_STALE_MS = 120_000;

/** Blocks this thread for `ms` (a synchronous wait for the build lock; nothing else runs meanwhile). */
const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Compiles src/ and migrations/ into dist/ with swc (what `npm run build:fast` does); `npm test` builds nothing
 * else. Once per test run (TOLLGATE_TEST_RUN, set by the jest global setup): suites running in parallel
 * workers take a lock directory, and the first builds while the others wait for it (deadline 2 minutes).
 */
export function buildDist(): void {
  const stamp = join(ROOT, 'dist', `.built-${process.env.TOLLGATE_TEST_RUN ?? `pid-${process.pid}`}`);
  const deadline = Date.now() + LOCK_STALE_MS;
  for (;;) {
    if (existsSync(stamp) && existsSync(MAIN)) return;
    try {
      mkdirSync(LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const held = statSync(LOCK, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for another worker's dist build (${LOCK})`, { cause: err });
      }
      pause(100);
    }
  }
  try {
    const swc = join(ROOT, 'node_modules', '.bin', 'swc');
    const out = spawnSync(swc, ['src', 'migrations', '-d', 'dist', '--config-file', '.swcrc', '--quiet'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (out.status !== 0 || !existsSync(MAIN)) throw new Error(`swc build failed: ${out.stderr}`);
    for (const old of readdirSync(join(ROOT, 'dist')).filter((f) => f.startsWith('.built-'))) {
      rmSync(join(ROOT, 'dist', old), { force: true });
    }
    writeFileSync(stamp, '');
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
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
