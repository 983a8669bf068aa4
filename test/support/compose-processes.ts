import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');

export interface ComposeService {
  command?: string[];
  environment?: Record<string, string | number>;
}

/** docker-compose.yml's services, as the file declares them. */
export function composeServices(): Record<string, ComposeService> {
  return (
    parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, ComposeService>;
    }
  ).services;
}

/** The image's CMD (Dockerfile): what a service without `command` runs. */
export function imageCommand(): string[] {
  return JSON.parse(/^CMD (\[.*\])$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))![1]) as string[];
}

/** `${VAR:-default}` as Compose expands it, from the variables the caller's shell (or .env) gives. */
export function expand(value: string | number, given: Record<string, string>): string {
  return String(value).replace(
    /\$\{(\w+):-([^}]*)\}/g,
    (_, name: string, dflt: string) => given[name] ?? dflt,
  );
}

/**
 * A service's environment as its container sees it: the file's values expanded with `given`, service names
 * mapped to loopback by `hosts`, empty values dropped, then `overrides` (ports the test chose). Nothing else from
 * this process leaks in but PATH and a scratch HOME.
 */
export function serviceEnv(
  service: ComposeService,
  given: Record<string, string>,
  hosts: Array<[RegExp, string]>,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, raw] of Object.entries(service.environment ?? {})) {
    let value = expand(raw, given);
    for (const [from, to] of hosts) value = value.replace(from, to);
    if (value !== '') env[key] = value;
  }
  return { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env, ...overrides };
}

export interface ServiceProcess {
  child: ChildProcess;
  /** stdout and stderr together, prefixed with the service name (for failure messages). */
  out: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs one service's command in the repository root, as its container would run it in /app. */
export function runService(name: string, command: string[], env: Record<string, string>): ServiceProcess {
  const child = spawn(command[0], command.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, out: () => `[${name}] ${out}`, stderr: () => err, exited };
}

/** A loopback port free right now (nothing listens on it until someone binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
