import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { readSeed } from './embedded-seed';

/**
 * Embedded PostgreSQL: PGlite (real Postgres compiled to WASM) behind a loopback wire-protocol socket, so the
 * app talks to it through the same `pg` driver as to a real server.
 *
 * PGlite is ONE session. The socket server queues protocol messages, but statements of two transactions could
 * still interleave inside that one session; so the app's pool has exactly one connection (see
 * typeorm-options.ts): a transaction holds the connection until it commits, and others wait their turn.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
    readonly dataDir: string,
  ) {}

  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    if (!dataDir.startsWith('memory://')) {
      mkdirSync(dataDir, { recursive: true });
      acquireLock(dataDir);
    }
    // A new data directory starts from the cached seed (no initdb) when `npm ci` prepared one.
    const seed = isEmpty(dataDir) ? readSeed() : undefined;
    const db = await PGlite.create(dataDir, seed ? { loadDataDir: seed } : {});
    const port = await freePort();
    const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 4 });
    await server.start();
    return new EmbeddedPostgres(db, server, `postgres://postgres@127.0.0.1:${port}/postgres`, dataDir);
  }

  /** The data directory as an uncompressed tarball (what `PGlite.create({ loadDataDir })` opens). */
  async dump(): Promise<Blob> {
    await this.db.exec('CHECKPOINT');
    return this.db.dumpDataDir('none');
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    if (!this.dataDir.startsWith('memory://')) rmSync(lockPath(this.dataDir), { force: true });
  }
}

/** memory:// is always new; a directory is new until PostgreSQL has written its PG_VERSION file. */
const isEmpty = (dataDir: string): boolean =>
  dataDir.startsWith('memory://') || !existsSync(join(dataDir, 'PG_VERSION'));

const lockPath = (dataDir: string): string => join(dataDir, 'tollgate.lock');

/**
 * PGlite files must never be opened by two processes (e.g. the server and `npm run admin:create`): the first
 * one writes its pid here, and a second refuses with a clear message while that process lives.
 */
function acquireLock(dataDir: string): void {
  const path = lockPath(dataDir);
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(path, 'utf8').trim());
  } catch {
    holder = undefined;
  }
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new Error(
      `The embedded database in ${dataDir} is in use by process ${holder}. Stop it first, or set DATABASE_URL.`,
    );
  }
  writeFileSync(path, String(process.pid));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
