import { GrantsService } from '../../src/credits/grants.service';
import { UsersService } from '../../src/users/users.service';
import { createUser } from '../factories/user.factory';
import { createServiceContext, type ServiceContext } from '../support/test-app';

/** The database itself refuses to change history: UPDATE, DELETE and TRUNCATE on credit_ledger fail. */
describe('credit ledger is append-only in the database (service tier)', () => {
  let ctx: ServiceContext;
  let userId: string;

  beforeAll(async () => {
    ctx = await createServiceContext();
    const user = await createUser(ctx.get(UsersService), ctx.dataSource);
    userId = user.id;
    await ctx.get(GrantsService).adjust({
      userId,
      bucket: 'purchased',
      amount: 10,
      note: 'seed',
      actorId: userId,
    });
  });
  afterAll(async () => ctx.close());

  const entries = (): Promise<Array<{ amount: number }>> =>
    ctx.dataSource.query('SELECT amount FROM credit_ledger WHERE user_id = $1', [userId]);

  it.each([
    ['UPDATE', 'UPDATE credit_ledger SET amount = 1000 WHERE user_id = $1'],
    ['DELETE', 'DELETE FROM credit_ledger WHERE user_id = $1'],
    ['a cascading user delete', 'DELETE FROM users WHERE id = $1'],
  ])('refuses %s and leaves the rows as they were', async (_what, sql) => {
    await expect(ctx.dataSource.query(sql, [userId])).rejects.toThrow(/credit_ledger is append-only/);
    expect(await entries()).toEqual([{ amount: 10 }]);
  });

  it('refuses TRUNCATE', async () => {
    await expect(ctx.dataSource.query('TRUNCATE credit_ledger CASCADE')).rejects.toThrow(
      /credit_ledger is append-only: TRUNCATE refused/,
    );
    expect(await entries()).toEqual([{ amount: 10 }]);
  });

  it('still appends: a correction is a new row', async () => {
    await ctx
      .get(GrantsService)
      .adjust({ userId, bucket: 'purchased', amount: -3, note: 'fix', actorId: userId });
    expect((await entries()).map((e) => e.amount).sort((a, b) => a - b)).toEqual([-3, 10]);
  });
});
