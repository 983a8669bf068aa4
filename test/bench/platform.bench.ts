import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { CONSUME_SQL, type ConsumeSqlRow } from '../../src/credits/credits.service';
import { createScratchDatabase } from '../support/test-database';
import { httpLoad, loopLoad, Measured, tableHeader, tableRow, verdict, warmUp } from './bench-utils';
import { call, spawnServer, type Server } from './servers/spawn';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 6);
const WIDE = 64;
const NARROW = 8;
const USERS = 64;
const FUNDS = 1_000_000;
const RACE = 1000;
const RACE_CREDITS = 100;
const POOL = Number(process.env.DB_POOL_SIZE ?? 10);

export const benchDatabaseUrl = (): string =>
  process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';

export function databaseLabel(): string {
  const u = new URL(benchDatabaseUrl());
  return `PostgreSQL ${u.hostname}:${u.port || 5432} (scratch database)`;
}

export interface Caller {
  id: string;
  auth: Record<string, string>;
}

export async function registerCaller(
  app: Server,
  email = `bench-${randomUUID()}@example.com`,
): Promise<Caller> {
  const reg = await call<{ access_token: string }>(`${app.url}/auth/register`, 'POST', {
    email,
    password: 'correct horse battery',
  });
  const auth = { Authorization: `Bearer ${reg.access_token}` };
  const me = await call<{ id: string }>(`${app.url}/auth/me`, 'GET', undefined, auth);
  return { id: me.id, auth };
}

async function fund(app: Server, admin: Caller, user: Caller, amount: number): Promise<void> {
  await call(
    `${app.url}/admin/users/${user.id}/credits`,
    'POST',
    { amount, bucket: 'purchased', reason: 'bench' },
    admin.auth,
  );
}

/** `count` requests all in flight at once; how many were answered 2xx. */
async function race(count: number, send: () => Promise<Response>): Promise<number> {
  const answers = await Promise.all(
    Array.from({ length: count }, () => send().then(async (r) => (await r.arrayBuffer(), r.status))),
  );
  return answers.filter((s) => s >= 200 && s < 300).length;
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);

/**
 * The platform table of issue 10, every figure beside a baseline measured in the same run (the request
 * pipeline against a bare app is the `pipeline` bench):
 * - POST /credits/consume spread over 64 users at 64 and 8 connections against CONSUME_SQL straight on pg;
 * - a naive read-modify-write consume (the spec's snippet) for throughput and for overspend in a 1,000-way race;
 * - the peak RSS of each server process.
 * Every server is its own process; autocannon runs in a worker thread of this one.
 */
export async function benchPlatform(): Promise<string> {
  const scratch = await createScratchDatabase(benchDatabaseUrl());
  const servers: Server[] = [];
  let pool: Pool | undefined;
  try {
    const tollgate = await spawnServer('tollgate', 'dist/src/main.js', {
      NODE_ENV: 'development',
      DATABASE_URL: scratch.url,
      DB_MIGRATE_ON_START: 'true',
      DB_POOL_SIZE: String(POOL),
      PORT: '0',
      HOST: '127.0.0.1',
      STRIPE_EMULATOR_PORT: '0',
      LOG_LEVEL: 'info',
      THROTTLE_LIMIT: '1000000000',
      THROTTLE_AUTH_LIMIT: '1000000000',
      ADMIN_EMAILS: 'admin@bench.test',
    });
    servers.push(tollgate);
    // 1. Consume spread over 64 users, each with its own balance row.
    const admin = await registerCaller(tollgate, 'admin@bench.test');
    const users: Caller[] = [];
    for (let i = 0; i < USERS; i++) users.push(await registerCaller(tollgate));
    for (const user of users) await fund(tollgate, admin, user, FUNDS);
    const consumeLoad = (connections: number) => ({
      url: `${tollgate.url}/credits/consume`,
      method: 'POST' as const,
      body: '{}',
      connections,
      durationS: DURATION_S,
      requests: users.map((u) => ({ headers: { ...u.auth, 'content-type': 'application/json' } })),
    });
    pool = new Pool({ connectionString: scratch.url, max: POOL });
    let turn = 0;
    const consumeDirect = async () => {
      const user = users[turn++ % users.length];
      const { rows } = await pool!.query<ConsumeSqlRow>(CONSUME_SQL, [
        user.id,
        1,
        `consume:${randomUUID()}`,
        'consume',
      ]);
      if (rows.length !== 1) throw new Error('insufficient credits');
    };
    // The same statement prepared, as Tollgate runs it: what the database alone can do with it.
    const consumePrepared = async () => {
      const user = users[turn++ % users.length];
      const { rows } = await pool!.query<ConsumeSqlRow>({
        name: 'bench_consume',
        text: CONSUME_SQL,
        values: [user.id, 1, `consume:${randomUUID()}`, 'consume'],
      });
      if (rows.length !== 1) throw new Error('insufficient credits');
    };
    await warmUp(consumeLoad(WIDE));
    await loopLoad('warm-up', WIDE, 1, consumeDirect);
    const app64 = await httpLoad(`Tollgate POST /credits/consume, ${WIDE} conns`, consumeLoad(WIDE));
    const sql64 = await loopLoad(
      `same SQL straight through pg, ${WIDE} loops`,
      WIDE,
      DURATION_S,
      consumeDirect,
    );
    const prepared64 = await loopLoad(
      `same SQL prepared through pg, ${WIDE} loops`,
      WIDE,
      DURATION_S,
      consumePrepared,
    );
    const app8 = await httpLoad(`Tollgate POST /credits/consume, ${NARROW} conns`, consumeLoad(NARROW));
    const sql8 = await loopLoad(
      `same SQL straight through pg, ${NARROW} loops`,
      NARROW,
      DURATION_S,
      consumeDirect,
    );

    // 2. The naive consume on the same database: throughput, then a race on 100 credits.
    const naive = await spawnServer('naive', 'dist/test/bench/servers/naive-app.js', {
      DATABASE_URL: scratch.url,
      DB_POOL_SIZE: String(POOL),
    });
    servers.push(naive);
    const naiveIds = Array.from({ length: USERS }, () => randomUUID());
    await pool.query('INSERT INTO naive_users (id, credits) SELECT unnest($1::uuid[]), $2', [
      naiveIds,
      FUNDS,
    ]);
    const naiveLoad = (connections: number) => ({
      url: `${naive.url}/naive/consume`,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      connections,
      durationS: DURATION_S,
      requests: naiveIds.map((id) => ({ body: JSON.stringify({ user_id: id }) })),
    });
    await warmUp(naiveLoad(WIDE));
    const naive64 = await httpLoad(`naive read-modify-write consume, ${WIDE} conns`, naiveLoad(WIDE));

    const racer = await registerCaller(tollgate);
    await fund(tollgate, admin, racer, RACE_CREDITS);
    const tollgateWins = await race(RACE, () =>
      fetch(`${tollgate.url}/credits/consume`, {
        method: 'POST',
        headers: { ...racer.auth, 'content-type': 'application/json' },
        body: '{}',
      }),
    );
    const naiveRacer = randomUUID();
    await pool.query('INSERT INTO naive_users (id, credits) VALUES ($1, $2)', [naiveRacer, RACE_CREDITS]);
    const naiveWins = await race(RACE, () =>
      fetch(`${naive.url}/naive/consume`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user_id: naiveRacer }),
      }),
    );
    const ledger = await pool.query<{ mismatches: string }>(
      `SELECT count(*) AS mismatches FROM credit_balances b
        WHERE b.purchased <> (SELECT coalesce(sum(amount), 0) FROM credit_ledger l
                               WHERE l.user_id = b.user_id AND l.bucket = 'purchased')`,
    );

    const vsSql = ratio(app64.rps, sql64.rps);
    const vsNaive = ratio(app64.rps, naive64.rps);
    const p99 = ratio(app8.p99, sql8.p99);
    const rows: Measured[] = [app64, sql64, prepared64, naive64, app8, sql8];
    const vsPrepared = ratio(app64.rps, prepared64.rps);
    const rss = servers.map((s) => `${s.name} ${s.peakRssMiB().toFixed(0)} MiB`).join(', ');
    return [
      `${databaseLabel()}; ${DURATION_S} s per run after a 1 s warm-up; ` +
        `database pool ${POOL} for Tollgate, the naive app and the direct SQL alike; ${USERS} users`,
      tableHeader(),
      ...rows.map((m) => tableRow(m)),
      '',
      `consume at ${WIDE} / direct SQL:          ${verdict(vsSql.toFixed(2), '≥ 0.6', vsSql >= 0.6)}`,
      `consume at ${WIDE} / same SQL prepared:   ${vsPrepared.toFixed(2)} (Tollgate prepares it; the issue's baseline is the text unprepared)`,
      `consume at ${WIDE} / naive consume:       ${verdict(vsNaive.toFixed(2), '≥ 1.2', vsNaive >= 1.2)}`,
      `p99 at ${NARROW} conns / direct SQL p99:   ${verdict(`${p99.toFixed(2)} (${app8.p99.toFixed(2)} ms vs ${sql8.p99.toFixed(2)} ms)`, '≤ 2', p99 <= 2)}`,
      `${RACE}-way race on ${RACE_CREDITS} credits: Tollgate ${tollgateWins} succeeded, naive ${naiveWins} succeeded ` +
        `(overspend ${Math.max(0, naiveWins - RACE_CREDITS)}); ` +
        `${verdict(`Tollgate overspend ${Math.max(0, tollgateWins - RACE_CREDITS)}`, '0', tollgateWins === RACE_CREDITS)}`,
      `ledger vs balances after the runs: ${ledger.rows[0].mismatches} mismatching users`,
      `peak RSS: ${rss}`,
    ].join('\n');
  } finally {
    await pool?.end();
    for (const s of servers.reverse()) await s.stop();
    await scratch.drop();
  }
}
