import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres } from '../../src/common/db/embedded-postgres';

describe('embedded database lock', () => {
  it('refuses to open a data directory another live process holds, and takes over a stale lock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-lock-'));
    // Another live process "holds" the directory (like a running server while `npm run admin:create` starts).
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'tollgate.lock'), String(holder.pid));
      await expect(EmbeddedPostgres.start(dir)).rejects.toThrow(`in use by process ${holder.pid}`);
    } finally {
      holder.kill();
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    // The holder is gone: its lock is stale, so the next start takes it, and stop releases it.
    const db = await EmbeddedPostgres.start(dir);
    await db.stop();
    expect(existsSync(join(dir, 'tollgate.lock'))).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });
});
