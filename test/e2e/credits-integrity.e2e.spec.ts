import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';
import { CreditsService } from '../../src/credits/credits.service';
import { registerUser, TestUser } from '../factories/user.factory';
import { createTestApp, TestApp } from '../support/test-app';

const ROOT = join(__dirname, '..', '..');

/** Runs `credits:verify` from source against `databaseUrl`; resolves with its exit code and output. */
function runVerifyCli(databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join('src', 'cli', 'credits-verify.ts')],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: databaseUrl, NODE_ENV: 'test', LOG_LEVEL: 'silent' },
        timeout: 30_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('credits integrity (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  let service: CreditsService;

  const fundedUser = async (purchased: number, monthly = 0): Promise<TestUser> => {
    const user = await registerUser(t);
    for (const [bucket, amount] of [
      ['purchased', purchased],
      ['monthly', monthly],
    ] as const) {
      if (amount > 0) {
        await t
          .http()
          .post(`/admin/users/${user.id}/credits`)
          .set(admin.auth)
          .send({ amount, bucket, reason: 'integrity test' })
          .expect(201);
      }
    }
    return user;
  };

  beforeAll(async () => {
    t = await createTestApp();
    admin = await registerUser(t, 'admin@tollgate.test');
    service = t.app.get(CreditsService);
  });
  afterAll(async () => t.close());

  it('verify() reports a balance tampered with behind the ledger’s back, and nothing once it is put right', async () => {
    const user = await fundedUser(5, 2);
    await t.http().post('/credits/consume').set(user.auth).send({ amount: 3 }).expect(200);
    expect(await service.verify()).toEqual([]);

    await t.dataSource.query('UPDATE credit_balances SET purchased = purchased + 1 WHERE user_id = $1', [
      user.id,
    ]);
    // The consume took its 3 from the oldest grant (no expiry, same priority): the purchased one.
    expect(await service.verify()).toEqual([
      { user_id: user.id, bucket: 'purchased', balance: 3, ledger: 2, grants: 2 },
    ]);

    await t.dataSource.query('UPDATE credit_balances SET purchased = purchased - 1 WHERE user_id = $1', [
      user.id,
    ]);
    expect(await service.verify()).toEqual([]);
  });

  it('verify() reports a ledger row with no balance behind it (a missing balance row counts as zero)', async () => {
    const user = await fundedUser(0, 4);
    await t.dataSource.query('DELETE FROM credit_balances WHERE user_id = $1', [user.id]);
    expect(await service.verify()).toEqual([
      { user_id: user.id, bucket: 'monthly', balance: 0, ledger: 4, grants: 4 },
    ]);
    await t.dataSource.query('INSERT INTO credit_balances (user_id, monthly) VALUES ($1, 4)', [user.id]);
    expect(await service.verify()).toEqual([]);
  });

  it('the database refuses a negative balance through its named check constraints', async () => {
    const user = await fundedUser(1, 1);
    await expect(
      t.dataSource.query('UPDATE credit_balances SET monthly = -1 WHERE user_id = $1', [user.id]),
    ).rejects.toThrow(/credit_balances_monthly_nonnegative/);
    await expect(
      t.dataSource.query('UPDATE credit_balances SET purchased = purchased - 2 WHERE user_id = $1', [
        user.id,
      ]),
    ).rejects.toThrow(/credit_balances_purchased_nonnegative/);
    await expect(
      t.dataSource.query(
        `INSERT INTO credit_ledger (user_id, bucket, amount, balance_after, reason, idempotency_key)
         VALUES ($1, 'monthly', -2, -1, 'consume', 'tamper')`,
        [user.id],
      ),
    ).rejects.toThrow(/credit_ledger_balance_after_check/);
    const [row]: Array<{ monthly: number; purchased: number }> = await t.dataSource.query(
      'SELECT monthly, purchased FROM credit_balances WHERE user_id = $1',
      [user.id],
    );
    expect(row).toEqual({ monthly: 1, purchased: 1 });
  });

  // The CLI opens its own connection: only a real PostgreSQL can be shared with the test's app.
  // Reported as skipped, by name, when it cannot run here.
  {
    (process.env.DATABASE_URL ? it : it.skip)(
      'npm run credits:verify exits 1 on a mismatch, naming it, and 0 once it is fixed',
      async () => {
        const databaseUrl = (t.dataSource.options as PostgresDataSourceOptions).url!;
        const user = await fundedUser(3);
        await t.dataSource.query('UPDATE credit_balances SET purchased = purchased + 1 WHERE user_id = $1', [
          user.id,
        ]);

        const broken = await runVerifyCli(databaseUrl);
        expect(broken.code).toBe(1);
        expect(broken.stderr).toContain(`user ${user.id} purchased: balance 4 but ledger sums to 3`);

        await t.dataSource.query('UPDATE credit_balances SET purchased = 3 WHERE user_id = $1', [user.id]);
        const fixed = await runVerifyCli(databaseUrl);
        expect({ code: fixed.code, stderr: fixed.stderr }).toEqual({ code: 0, stderr: '' });
        expect(fixed.stdout).toContain('every balance matches the ledger');
      },
    );
  }
});
