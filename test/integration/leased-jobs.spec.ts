import { DataSource } from 'typeorm';
import {
  exponentialBackoff,
  InFlight,
  LeasedJobs,
  nextAttempt,
  scheduledBackoff,
  type LeasedJob,
} from '../../src/common/db/leased-jobs';
import { firstRow } from '../../src/common/db/sql';
import { createServiceContext, type ServiceContext } from '../support/test-app';

/**
 * The leased job queue under the Stripe inbox and the outbound outbox, on its own table: a claim leases each
 * due job once, an expired lease is taken over, a stale token changes nothing, a failure waits out its delay.
 */
describe('leased jobs (common/db)', () => {
  let ctx: ServiceContext;
  let db: DataSource;
  const table = `leased_jobs_spec_${Date.now().toString(36)}`;
  const jobs = new LeasedJobs<LeasedJob & { name: string }>({
    table,
    leased: 'running',
    waiting: ['pending', 'failed'],
    pick: (due) => `SELECT q.id FROM ${table} q WHERE ${due} ORDER BY q.id`,
    read: `SELECT c.id::text, c.name, c.attempts, c.claim_token FROM claimed c ORDER BY c.id`,
  });
  const lease = { limit: 10, leaseMs: 60_000 };

  beforeAll(async () => {
    ctx = await createServiceContext();
    db = ctx.dataSource;
    await db.query(
      `CREATE TABLE ${table} (id bigserial PRIMARY KEY, name text NOT NULL, status text NOT NULL DEFAULT 'pending',
         attempts int NOT NULL DEFAULT 0, claim_token uuid, locked_until timestamptz,
         next_attempt_at timestamptz NOT NULL DEFAULT now(), outcome text)`,
    );
  });
  afterAll(async () => {
    await db?.query(`DROP TABLE IF EXISTS ${table}`);
    await ctx?.close();
  });
  beforeEach(() => db.query(`TRUNCATE ${table}`));

  const add = (...names: string[]) =>
    db.query(`INSERT INTO ${table} (name) SELECT unnest($1::text[])`, [names]);
  const row = (name: string) =>
    firstRow<Record<string, unknown>>(db, `SELECT * FROM ${table} WHERE name = $1`, [name]);

  it('leases each due job once, even to claims racing each other, and counts the attempt', async () => {
    await add('a', 'b', 'c', 'd', 'e');
    const claims = await Promise.all([1, 2, 3].map(() => jobs.claim(db, { ...lease, limit: 2 })));
    const names = claims.flat().map((j) => j.name);
    expect(names.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(await row('a')).toMatchObject({ status: 'running', attempts: 1 });
    expect(await jobs.claim(db, lease)).toEqual([]);
  });

  it('takes over a job whose lease expired (a crashed worker), not one still leased', async () => {
    await add('crashed', 'busy');
    await jobs.claim(db, lease);
    await db.query(`UPDATE ${table} SET locked_until = now() - interval '1 second' WHERE name = 'crashed'`);
    const again = await jobs.claim(db, lease);
    expect(again.map((j) => [j.name, j.attempts])).toEqual([['crashed', 2]]);
  });

  it('finishes only under the current lease: a stale claim token changes nothing', async () => {
    await add('x');
    const [first] = await jobs.claim(db, lease);
    await db.query(`UPDATE ${table} SET locked_until = now() - interval '1 second'`);
    const [second] = await jobs.claim(db, lease);
    expect(await jobs.finish(db, first, (bind) => `status = 'done', outcome = ${bind('stale')}`)).toBe(false);
    expect(await row('x')).toMatchObject({ status: 'running', outcome: null });
    expect(await jobs.finish(db, second, (bind) => `status = 'done', outcome = ${bind('ok')}`)).toBe(true);
    expect(await row('x')).toMatchObject({ status: 'done', outcome: 'ok', locked_until: null });
  });

  it('a failed attempt waits out its delay before it is due again; a given-up job never is', async () => {
    await add('retry', 'dead');
    const claimed = await jobs.claim(db, lease);
    const [retry, dead] = claimed;
    expect(
      await jobs.fail(db, retry, { status: 'failed', delayMs: 60_000 }, (b) => `outcome = ${b('boom')}`),
    ).toBe(true);
    expect(await jobs.fail(db, dead, { status: 'dead', delayMs: 0 })).toBe(true);
    expect(await row('retry')).toMatchObject({ status: 'failed', outcome: 'boom', locked_until: null });
    expect(await jobs.claim(db, lease)).toEqual([]);
    await db.query(`UPDATE ${table} SET next_attempt_at = now() - interval '1 second'`);
    expect((await jobs.claim(db, lease)).map((j) => j.name)).toEqual(['retry']);
  });

  it('an optional filter narrows the claim (the inbox claims one event by id)', async () => {
    await add('one', 'other');
    const target = (await row('other'))!.id as string;
    const claimed = await jobs.claim(db, lease, (bind) => `q.id = ${bind(target)}`);
    expect(claimed.map((j) => j.name)).toEqual(['other']);
  });

  it('backoff policies: exponential capped, or a schedule; the last attempt is given up', () => {
    const exp = exponentialBackoff(3, 1_000, 1_500);
    expect([1, 2, 3].map((n) => nextAttempt(exp, n))).toEqual([
      { last: false, delayMs: 1_000 },
      { last: false, delayMs: 1_500 },
      { last: true, delayMs: 1_500 },
    ]);
    const schedule = scheduledBackoff([10, 20]);
    expect([1, 2, 3].map((n) => nextAttempt(schedule, n))).toEqual([
      { last: false, delayMs: 10 },
      { last: false, delayMs: 20 },
      { last: true, delayMs: 0 },
    ]);
  });

  it('drain waits for work in flight, including work started while draining; stop refuses new claims', async () => {
    const inFlight = new InFlight();
    const order: string[] = [];
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve)).then(() => {
      order.push('first');
      void inFlight.track(Promise.resolve().then(() => order.push('second')));
    });
    void inFlight.track(first);
    const drained = inFlight.drain().then(() => order.push('drained'));
    release();
    await drained;
    expect(order).toEqual(['first', 'second', 'drained']);
    expect(inFlight.accepting).toBe(true);
    inFlight.stop();
    expect(inFlight.accepting).toBe(false);
    await expect(inFlight.track(Promise.reject(new Error('x')))).rejects.toThrow('x');
    await inFlight.drain();
  });
});
