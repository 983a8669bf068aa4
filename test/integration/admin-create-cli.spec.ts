import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { verifyPassword } from '../../src/auth/password-hasher';
import { loadDatabaseConfig } from '../../src/config/database.config';
import { buildDataSourceOptions } from '../../src/database/typeorm-options';
import { buildDist } from '../support/spawn-app';

const CLI = (name: string) => join(__dirname, '..', '..', 'dist', 'src', 'cli', `${name}.js`);

/** `npm run admin:create -- <email> [--role support] [--create]`: the one command for the first console user. */
describe('npm run admin:create (dist/src/cli/admin-create.js on an embedded database)', () => {
  let dir: string;
  const env = () => ({ PATH: process.env.PATH, PGLITE_DATA_DIR: dir, NODE_ENV: 'development' });
  const runWith = async (extra: Record<string, string>, name: string, ...args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI(name), ...args], {
        env: { ...env(), ...extra },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  const run = (name: string, ...args: string[]) => runWith({}, name, ...args);
  const user = async (email: string) => {
    const resolved = await buildDataSourceOptions(
      loadDatabaseConfig({ ...env(), DB_MIGRATE_ON_START: 'false' }),
    );
    const ds = await new DataSource(resolved.options).initialize();
    try {
      const rows: Array<{ role: string; password_hash: string }> = await ds.query(
        'SELECT role, password_hash FROM users WHERE email = $1',
        [email],
      );
      return rows[0];
    } finally {
      await ds.destroy();
      await resolved.embedded?.stop();
    }
  };

  beforeAll(() => {
    buildDist();
    dir = mkdtempSync(join(tmpdir(), 'tg-admin-create-'));
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a support user with a password shown once, promotes it, and refuses what it cannot do', async () => {
    expect((await run('migrate', 'run')).code).toBe(0);

    const missing = await run('admin-create', 'help@example.com', '--role', 'support');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      'No account with email help@example.com: register it first, or add --create.',
    );

    const created = await run('admin-create', 'Help@Example.com', '--role', 'support', '--create');
    expect(created.code).toBe(0);
    const password = /with the password (\S+) \(shown once\)/.exec(created.stdout)?.[1];
    expect(password).toBeDefined();
    expect(created.stdout).toContain('help@example.com is now a support');
    const row = await user('help@example.com');
    expect(row.role).toBe('support');
    expect(row.password_hash).not.toContain(password!);
    expect(await verifyPassword(password!, row.password_hash)).toBe(true);

    // An existing account is promoted in place: no new password.
    const promoted = await run('admin-create', 'help@example.com', '--create');
    expect(promoted.code).toBe(0);
    expect(promoted.stdout).not.toContain('password');
    expect(promoted.stdout).toContain('help@example.com is now an admin');
    expect((await user('help@example.com')).role).toBe('admin');

    const bad = await run('admin-create', 'help@example.com', '--role', 'owner');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('usage: npm run admin:create');
    expect((await user('help@example.com')).role).toBe('admin');
  }, 120_000);

  it('--external gives a user of the identity provider a role by subject, before or after their first sign-in', async () => {
    const issuer = 'https://idp.example.com/';
    const subject = 'auth0|6f1c0c9e';
    const withIdp = { AUTH_ISSUER: issuer };
    const first = await runWith(withIdp, 'admin-create', '--external', subject, '--role', 'support');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`${subject} (${issuer}, user `);
    expect(first.stdout).toContain('is now a support');
    // Again, as admin: the same row, promoted in place.
    expect((await runWith(withIdp, 'admin-create', '--external', subject)).code).toBe(0);
    const resolved = await buildDataSourceOptions(
      loadDatabaseConfig({ ...env(), DB_MIGRATE_ON_START: 'false' }),
    );
    const ds = await new DataSource(resolved.options).initialize();
    try {
      const rows: Array<{ role: string; external_issuer: string; password_hash: string | null }> =
        await ds.query('SELECT role, external_issuer, password_hash FROM users WHERE external_id = $1', [
          subject,
        ]);
      expect(rows).toEqual([{ role: 'admin', external_issuer: issuer, password_hash: null }]);
    } finally {
      await ds.destroy();
      await resolved.embedded?.stop();
    }
    const noIssuer = await run('admin-create', '--external', subject, '--role', 'support');
    expect(noIssuer.code).toBe(1);
    expect(noIssuer.stderr).toContain('set AUTH_ISSUER');
  }, 120_000);
});
