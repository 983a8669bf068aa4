import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { CONSUME_SQL, type ConsumeSqlRow } from '../../src/credits/credits.service';
import { createScratchDatabase } from '../support/test-database';
import { httpLoad, loopLoad, Measured, tableHeader, tableRow, verdict, warmUp } from './bench-utils';
import { benchDatabaseUrl, databaseLabel, registerCaller, type Caller } from './platform.bench';
import { call, spawnEmulator, spawnServer, type Server } from './servers/spawn';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 6);
const WIDE = 64;
const PAIRS = 16;
const NARROW = 8;
const USERS = 64;
const POOL = Number(process.env.DB_POOL_SIZE ?? 10);
/** The overage users' cap: large enough that no run reaches it. */
const OVERAGE_CAP = 1_000_000_000;

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('hex')}`;

/**
 * The credit engine's figures, each beside its baseline in the same run:
 * - POST /credits/consume spread over 64 users who hold 3 live grants each (two expiring promotional grants
 *   and a purchased one, so every consume sorts and locks grants) against CONSUME_SQL prepared on pg;
 * - the same consume over 64 users on an overage plan with a balance of 0 (every consume past the balance: an
 *   overage ledger row and a meter report each) against it: at most 1.3× its cost;
 * - a hold + capture pair over HTTP against one consume over HTTP, same client, same connections;
 * - GET /credits (one query) beside them;
 * - one hot account (every request the same user's): consume at 64 connections against the same per-request
 *   SQL prepared on pg on that one row and against GET /credits of that user; p99 at 8 connections beside the
 *   SQL's.
 */
export async function benchCredits(): Promise<string> {
  const scratch = await createScratchDatabase(benchDatabaseUrl());
  const servers: Server[] = [];
  let pool: Pool | undefined;
  try {
    // As production runs it (NODE_ENV=production: JSON logs, no emulator in the process), on PostgreSQL.
    const emulator = await spawnEmulator(WEBHOOK_SECRET);
    servers.push(emulator);
    const tollgate = await spawnServer('tollgate', 'dist/src/main.js', {
      NODE_ENV: 'production',
      DATABASE_URL: scratch.url,
      DB_MIGRATE_ON_START: 'true',
      DB_POOL_SIZE: String(POOL),
      STRIPE_SECRET_KEY: 'sk_live_bench_against_the_emulator',
      STRIPE_API_URL: emulator.url,
      WEBHOOK_SECRET,
      JWT_SECRET: randomBytes(32).toString('hex'),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      THROTTLE_LIMIT: '1000000000',
      THROTTLE_AUTH_LIMIT: '1000000000',
      // every tier raised: one hot account alone sends far more than a user's consume tier allows
      THROTTLE_CONSUME_LIMIT: '1000000000',
      THROTTLE_CHECKOUT_LIMIT: '1000000000',
      THROTTLE_API_KEY_LIMIT: '1000000000',
      ADMIN_EMAILS: 'admin@bench.test',
    });
    servers.push(tollgate);
    const admin = await registerCaller(tollgate, 'admin@bench.test');
    const users: Caller[] = [];
    for (let i = 0; i < USERS; i++) users.push(await registerCaller(tollgate));
    const grant = (user: Caller, body: Record<string, unknown>) =>
      call(
        `${tollgate.url}/admin/users/${user.id}/grants`,
        'POST',
        { reason: 'bench', ...body },
        {
          ...admin.auth,
          'Idempotency-Key': randomUUID(),
        },
      );
    const hot = await registerCaller(tollgate);
    for (const user of [...users, hot]) {
      await grant(user, { amount: 400_000, expires_in_days: 30 });
      await grant(user, { amount: 400_000, expires_in_days: 60 });
      await grant(user, { amount: 400_000, bucket: 'purchased' });
    }
    // Users on an overage plan with nothing left: every consume goes past the balance, as overage.
    const overageUsers: Caller[] = [];
    for (let i = 0; i < USERS; i++) overageUsers.push(await registerCaller(tollgate));
    const json = { 'content-type': 'application/json' };
    const consumeLoad = (connections: number, of = users) => ({
      url: `${tollgate.url}/credits/consume`,
      method: 'POST' as const,
      body: '{}',
      connections,
      durationS: DURATION_S,
      requests: of.map((u) => ({ headers: { ...u.auth, ...json } })),
    });
    pool = new Pool({ connectionString: scratch.url, max: POOL });
    // What LedgerService.setOveragePolicy writes: the policy snapshot and the period's window, used 0.
    await pool.query(
      `INSERT INTO credit_balances AS b (user_id, overage_policy, overage_period_start, overage_period_end)
       SELECT u, $2::jsonb, now() - interval '1 day', now() + interval '29 days' FROM unnest($1::uuid[]) u
       ON CONFLICT (user_id) DO UPDATE
         SET overage_policy = EXCLUDED.overage_policy, overage_period_start = EXCLUDED.overage_period_start,
             overage_period_end = EXCLUDED.overage_period_end, overage_used = 0`,
      [
        overageUsers.map((u) => u.id),
        JSON.stringify({
          cap: OVERAGE_CAP,
          currency: 'usd',
          unit_amount_decimal: '0.02',
          event_name: 'tollgate_credits',
        }),
      ],
    );
    let turn = 0;
    const next = () => users[turn++ % users.length];
    const consumePrepared = async () => {
      const { rows } = await pool!.query<ConsumeSqlRow>({
        name: 'bench_consume',
        text: CONSUME_SQL,
        values: [next().id, 1, `consume:${randomUUID()}`, 'consume'],
      });
      if (rows.length !== 1) throw new Error('insufficient credits');
    };
    const consumeHot = async () => {
      const { rows } = await pool!.query<ConsumeSqlRow>({
        name: 'bench_consume',
        text: CONSUME_SQL,
        values: [hot.id, 1, `consume:${randomUUID()}`, 'consume'],
      });
      if (rows.length !== 1) throw new Error('insufficient credits');
    };
    const hotLoad = (url: string, connections: number) => ({
      url: `${tollgate.url}${url}`,
      method: url === '/credits/consume' ? ('POST' as const) : ('GET' as const),
      body: url === '/credits/consume' ? '{}' : undefined,
      connections,
      durationS: DURATION_S,
      requests: [{ headers: { ...hot.auth, ...json } }],
    });
    const post = async (url: string, user: Caller, body: unknown, key?: string) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { ...user.auth, ...json, ...(key ? { 'Idempotency-Key': key } : {}) },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${url} ${res.status} ${text}`);
      return JSON.parse(text) as { hold_id: string };
    };
    const consumeOnce = () => post(`${tollgate.url}/credits/consume`, next(), { amount: 3 });
    const holdAndCapture = async () => {
      const user = next();
      const hold = await post(`${tollgate.url}/credits/holds`, user, { amount: 5 }, randomUUID());
      await post(`${tollgate.url}/credits/holds/${hold.hold_id}/capture`, user, { amount: 3 });
    };

    await warmUp(consumeLoad(WIDE));
    await warmUp(consumeLoad(WIDE, overageUsers));
    await loopLoad('warm-up', WIDE, 1, consumePrepared);
    await loopLoad('warm-up', PAIRS, 1, holdAndCapture);
    const app64 = await httpLoad(`POST /credits/consume, 3 grants/user, ${WIDE} conns`, consumeLoad(WIDE));
    const over64 = await httpLoad(
      `POST /credits/consume past the balance (overage plan), ${WIDE} conns`,
      consumeLoad(WIDE, overageUsers),
    );
    const prepared64 = await loopLoad(
      `same SQL prepared through pg, ${WIDE} loops`,
      WIDE,
      DURATION_S,
      consumePrepared,
    );
    const consumeLoop = await loopLoad(
      `consume over HTTP (fetch), ${PAIRS} loops`,
      PAIRS,
      DURATION_S,
      consumeOnce,
    );
    const pairLoop = await loopLoad(
      `hold + capture over HTTP, ${PAIRS} loops`,
      PAIRS,
      DURATION_S,
      holdAndCapture,
    );
    const read64 = await httpLoad(`GET /credits (one query), ${WIDE} conns`, {
      url: `${tollgate.url}/credits`,
      connections: WIDE,
      durationS: DURATION_S,
      requests: users.map((u) => ({ headers: u.auth })),
    });
    // One hot account: every request the same user's (many parallel agent calls).
    await warmUp(hotLoad('/credits/consume', WIDE));
    const hotPair = async (connections: number) => [
      await httpLoad(
        `POST /credits/consume, ONE user, ${connections} conns`,
        hotLoad('/credits/consume', connections),
      ),
      await loopLoad(
        `same SQL prepared through pg, one user, ${connections} loops`,
        connections,
        DURATION_S,
        consumeHot,
      ),
    ];
    const [hot64, hotSql64] = await hotPair(WIDE);
    const hotRead64 = await httpLoad(`GET /credits, ONE user, ${WIDE} conns`, hotLoad('/credits', WIDE));
    const [hot8, hotSql8] = await hotPair(NARROW);
    const [overage] = (
      await pool.query<{ used: number; ledgered: number; reports: number }>(
        `SELECT (SELECT sum(overage_used) FROM credit_balances WHERE user_id = ANY($1::uuid[]))::int AS used,
                (SELECT -sum(amount) FROM credit_ledger WHERE bucket = 'overage')::int AS ledgered,
                (SELECT sum(value) FROM credit_meter_reports)::int AS reports`,
        [overageUsers.map((u) => u.id)],
      )
    ).rows;
    const { rows } = await pool.query<{ mismatches: number }>(
      `SELECT count(*)::int AS mismatches FROM credit_balances b
        WHERE b.monthly + b.purchased + b.promotional <> (SELECT coalesce(sum(remaining), 0) FROM credit_grants g
               WHERE g.user_id = b.user_id AND g.voided_at IS NULL AND g.expired_at IS NULL)`,
    );

    const vsPrepared = ratio(app64.rps, prepared64.rps);
    const overageCost = ratio(app64.rps, over64.rps);
    const pairCost = ratio(consumeLoop.rps, pairLoop.rps);
    const hotVsSql = ratio(hot64.rps, hotSql64.rps);
    const hotVsRead = ratio(hot64.rps, hotRead64.rps);
    const hotP99 = ratio(hot8.p99, hotSql8.p99);
    const measured: Measured[] = [
      app64,
      over64,
      prepared64,
      consumeLoop,
      pairLoop,
      read64,
      hot64,
      hotSql64,
      hotRead64,
      hot8,
      hotSql8,
    ];
    return [
      `${databaseLabel()}; Tollgate NODE_ENV=production; ${DURATION_S} s per run after a 1 s warm-up; ` +
        `database pool ${POOL}; ${USERS} users ` +
        'with 3 live grants each',
      tableHeader(),
      ...measured.map((m) => tableRow(m)),
      '',
      `consume at ${WIDE} (3 grants/user) / same SQL prepared: ${verdict(vsPrepared.toFixed(2), '≥ 0.6', vsPrepared >= 0.6)}`,
      `a consume past the balance (overage) costs ${verdict(`${overageCost.toFixed(2)}× one within it`, '≤ 1.3×', overageCost <= 1.3)}`,
      `overage after the runs: ${overage.used} credits used, ${overage.ledgered} in overage rows, ${overage.reports} in meter reports`,
      `one hold + capture pair costs ${verdict(`${pairCost.toFixed(2)} consumes`, '≤ 2.5', pairCost <= 2.5)}`,
      `one hot account at ${WIDE} / same SQL prepared, one user: ${verdict(hotVsSql.toFixed(2), '≥ 1.5', hotVsSql >= 1.5)}`,
      `one hot account at ${WIDE} / GET /credits, same user: ${verdict(hotVsRead.toFixed(2), '≥ 0.6', hotVsRead >= 0.6)}`,
      `one hot account p99 at ${NARROW} / SQL p99: ${verdict(`${hotP99.toFixed(2)} (${hot8.p99.toFixed(2)} ms vs ${hotSql8.p99.toFixed(2)} ms)`, '≤ 2', hotP99 <= 2)}`,
      `grants vs balances after the runs: ${rows[0].mismatches} mismatching users`,
    ].join('\n');
  } finally {
    await pool?.end();
    for (const s of servers.reverse()) await s.stop();
    await scratch.drop();
  }
}
