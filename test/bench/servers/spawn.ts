import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Server {
  name: string;
  url: string;
  pid: number;
  /** Peak resident set size so far (VmHWM), in MiB. */
  peakRssMiB: () => number;
  stop: () => Promise<void>;
}

/**
 * Starts `node <script>` as its own process (so the load generator never shares its event loop or its memory
 * figure) and waits, with a deadline, for the line `listening on http://…:<port>` it prints (or `ready`'s). Its output goes
 * to a file, so a busy request log costs the server what it costs in production and nothing here.
 */
export async function spawnServer(
  name: string,
  script: string,
  env: Record<string, string>,
  timeoutMs = 60_000,
  // The development banner says `listening on http://host:port`, the production one (a JSON line) `host:port`.
  ready = /listening on (?:http:\/\/)?([\w.]+:\d+)/,
): Promise<Server> {
  const log = join(mkdtempSync(join(tmpdir(), 'tollgate-bench-')), `${name}.log`);
  const fd = openSync(log, 'w');
  const child: ChildProcess = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!url) {
    const text = readFileSync(log, 'utf8');
    const found = ready.exec(text)?.[1];
    url = found && `http://${found.replace(/^http:\/\//, '')}`.replace('localhost', '127.0.0.1');
    if (url) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start (see ${log}):\n${text.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    name,
    url,
    pid: child.pid!,
    peakRssMiB: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
      return kb / 1024;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The Stripe emulator in its own process, as the production-mode benches talk to it. */
export function spawnEmulator(webhookSecret: string): Promise<Server> {
  return spawnServer(
    'emulator',
    'dist/src/stripe-emulator/cli.js',
    { STRIPE_EMULATOR_PORT: '0', WEBHOOK_URL: 'http://127.0.0.1:9/none', WEBHOOK_SECRET: webhookSecret },
    60_000,
    /API:\s+(http:\/\/[\w.]+:\d+)/,
  );
}

/** JSON over fetch against a spawned server; throws on an unexpected status. */
export async function call<T>(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
  expected = [200, 201],
): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!expected.includes(res.status)) throw new Error(`${method} ${url} answered ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}
