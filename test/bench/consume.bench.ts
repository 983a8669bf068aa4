import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';
import { CONSUME_SQL, ConsumeSqlRow, CreditsService } from '../../src/credits/credits.service';
import { registerUser, TestUser } from '../factories/user.factory';
import { createTestApp, TestApp } from '../support/test-app';
import { httpLoad, loopLoad, Measured, tableHeader, tableRow, verdict, warmUp } from './bench-utils';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const WIDE = 64;
const NARROW = 8;
const FUNDS = 1_000_000; // the largest single admin adjustment
const SPREAD_USERS = 64;

export function databaseLabel(): string {
  const server = process.env.DATABASE_URL;
  if (!server) return 'embedded PGlite (in memory, one connection)';
  const u = new URL(server);
  return `PostgreSQL ${u.hostname}:${u.port || 5432} (scratch database)`;
}

async function fund(t: TestApp, admin: TestUser, user: TestUser): Promise<void> {
  await t
    .http()
    .post(`/admin/users/${user.id}/credits`)
    .set(admin.auth)
    .send({ amount: FUNDS, bucket: 'purchased', reason: 'benchmark funds' })
    .expect(201);
}

/**
 * POST /credits/consume through the whole app (auth, throttler, validation, logging, the CTE) beside the
 * very same SQL statement (CONSUME_SQL, the one CreditsService runs) issued straight at the database with the
 * same concurrency: the gap is what the HTTP + NestJS layers cost on the hot path.
 */
export async function benchConsume(): Promise<string> {
  const t = await createTestApp({ env: { THROTTLE_LIMIT: '1000000000', THROTTLE_TTL_MS: '1000' } });
  let pool: Pool | undefined;
  try {
    const admin = await registerUser(t, 'admin@tollgate.test');
    const viaApp = await registerUser(t);
    const direct = await registerUser(t);
    await fund(t, admin, viaApp);
    await fund(t, admin, direct);

    const load = (connections: number) => ({
      url: `${t.url}/credits/consume`,
      method: 'POST' as const,
      headers: { ...viaApp.auth, 'content-type': 'application/json' },
      body: '{}',
      connections,
      durationS: DURATION_S,
    });

    // The baseline's connection: a 64-connection pg.Pool on real PostgreSQL; PGlite is single-connection, so
    // there the app's own DataSource (its one-connection pool) is the only way in.
    const url = (t.dataSource.options as PostgresDataSourceOptions).url!;
    pool = process.env.DATABASE_URL ? new Pool({ connectionString: url, max: WIDE }) : undefined;
    const query = pool
      ? (sql: string, params: unknown[]) => pool!.query(sql, params).then((r) => r.rows as ConsumeSqlRow[])
      : (sql: string, params: unknown[]) => t.dataSource.query<ConsumeSqlRow[]>(sql, params);
    const consumeDirect = async () => {
      const rows = await query(CONSUME_SQL, [direct.id, 1, `consume:${randomUUID()}`, 'consume']);
      if (rows.length !== 1) throw new Error('insufficient credits');
    };

    await warmUp(load(WIDE));
    await loopLoad('warm-up', WIDE, 1, consumeDirect);

    const app64 = await httpLoad(`app POST /credits/consume, ${WIDE} conns`, load(WIDE));
    const sql64 = await loopLoad(`direct CONSUME_SQL, ${WIDE} loops`, WIDE, DURATION_S, consumeDirect);
    const app8 = await httpLoad(`app POST /credits/consume, ${NARROW} conns`, load(NARROW));
    const sql8 = await loopLoad(`direct CONSUME_SQL, ${NARROW} loops`, NARROW, DURATION_S, consumeDirect);

    // The realistic shape: many callers, each its own balance row (no single hot row to queue on).
    const users = await Promise.all(Array.from({ length: SPREAD_USERS }, () => registerUser(t)));
    for (const user of users) await fund(t, admin, user);
    const spreadLoad = (connections: number) => ({
      ...load(connections),
      requests: users.map((u) => ({ headers: { ...u.auth, 'content-type': 'application/json' } })),
    });
    let turn = 0;
    const consumeSpread = async () => {
      const user = users[turn++ % users.length];
      const rows = await query(CONSUME_SQL, [user.id, 1, `consume:${randomUUID()}`, 'consume']);
      if (rows.length !== 1) throw new Error('insufficient credits');
    };
    const spreadApp64 = await httpLoad(`app, ${SPREAD_USERS} users, ${WIDE} conns`, spreadLoad(WIDE));
    const spreadSql64 = await loopLoad(
      `direct, ${SPREAD_USERS} users, ${WIDE} loops`,
      WIDE,
      DURATION_S,
      consumeSpread,
    );
    const spreadApp8 = await httpLoad(`app, ${SPREAD_USERS} users, ${NARROW} conns`, spreadLoad(NARROW));
    const spreadSql8 = await loopLoad(
      `direct, ${SPREAD_USERS} users, ${NARROW} loops`,
      NARROW,
      DURATION_S,
      consumeSpread,
    );

    const mismatches = await t.app.get(CreditsService).verify();
    const spent = async (user: TestUser) =>
      FUNDS -
      ((await t.http().get('/credits').set(user.auth)).body as { total_credits: number }).total_credits;
    const ratio64 = app64.rps / sql64.rps;
    const rows: Measured[] = [app64, sql64, app8, sql8];
    const spreadRows: Measured[] = [spreadApp64, spreadSql64, spreadApp8, spreadSql8];
    const spreadRatio = spreadApp64.rps / spreadSql64.rps;
    return [
      `consume: ${databaseLabel()}; ${DURATION_S} s per run after a 1 s warm-up; one user, ` +
        `balance ${FUNDS.toLocaleString('en-US')}; app pool ${process.env.DB_POOL_SIZE ?? 10}, ` +
        `baseline ${pool ? `pg.Pool max ${WIDE}` : "the app's DataSource"}`,
      tableHeader(),
      ...rows.map((m) => tableRow(m)),
      `app/direct throughput at ${WIDE}: ${verdict(ratio64.toFixed(2), '≥ 0.6', ratio64 >= 0.6)}`,
      `app/direct throughput at ${NARROW}: ${(app8.rps / sql8.rps).toFixed(2)}; ` +
        `p99 app/direct at ${NARROW}: ${(app8.p99 / sql8.p99).toFixed(2)}`,
      `app p99 at ${NARROW} connections, one hot user: ${verdict(`${app8.p99.toFixed(2)} ms`, '< 10 ms', app8.p99 < 10)}`,
      `  (one user = one balance row: every consume queues on its lock through a durable commit, so the direct ` +
        `SQL has the same tail)`,
      '',
      `spread over ${SPREAD_USERS} users (each connection cycles through their tokens):`,
      tableHeader(),
      ...spreadRows.map((m) => tableRow(m)),
      `app/direct throughput at ${WIDE}: ${verdict(spreadRatio.toFixed(2), '≥ 0.6', spreadRatio >= 0.6)}`,
      `app p99 at ${NARROW} connections: ${verdict(`${spreadApp8.p99.toFixed(2)} ms`, '< 10 ms', spreadApp8.p99 < 10)}`,
      `ledger after the runs: ${await spent(viaApp)} credits spent through the app, ${await spent(direct)} directly ` +
        `(warm-ups included); credits:verify mismatches: ${mismatches.length}`,
    ].join('\n');
  } finally {
    await pool?.end();
    await t.close();
  }
}

if (require.main === module) {
  benchConsume().then(
    (report) => console.log(report),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
