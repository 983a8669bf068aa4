import { randomBytes } from 'node:crypto';
import { SchedulerRegistry } from '@nestjs/schedule';
import type Stripe from 'stripe';
import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';
import { main as retentionCli } from '../../src/cli/retention-run';
import { WEBHOOK_EVENTS_RETENTION } from '../../src/webhooks/webhook-inbox.service';
import { retentionConfig, RetentionConfig } from '../../src/config/retention.config';
import { RetentionReport, runRetention } from '../../src/retention/retention';
import { RetentionScheduler } from '../../src/retention/retention.scheduler';
import { registerUser, TestUser } from '../factories/user.factory';
import { metricTotal, parsePrometheus } from '../support/prometheus';
import {
  catalogPrice,
  createPackCheckout,
  credits,
  deliver,
  eventStatus,
  expectLedgerConsistent,
  ledgerReasons,
  settle,
  waitForCredits,
} from '../support/stripe-helpers';
import { createTestApp, TestApp, waitFor } from '../support/test-app';
import { NO_OVERAGE } from '../support/credit-shapes';

const BATCH = 2;
const ENV = { RETENTION_BATCH_SIZE: String(BATCH) };
/** Older than every default window (webhook events 30 days, Idempotency-Keys 7, outbound 30). */
const OLD = "now() - interval '40 days'";
const RECENT = "now() - interval '2 days'";
/** What seed() leaves for a run to delete: the old finished rows. */
const SEEDED_PRUNABLE = {
  webhook_events: 3,
  consume_requests: 3,
  outbound_deliveries: 2,
  outbound_events: 2,
};
const rowsOf = (report: RetentionReport) => Object.fromEntries(report.tables.map((r) => [r.table, r.rows]));
/** How far a counter series moved between two scrapes. */
const movedBetween =
  (before: Map<string, number>, after: Map<string, number>) =>
  (name: string, label: string): number =>
    metricTotal(after, name, label) - metricTotal(before, name, label);

describe('retention of the operational tables (e2e)', () => {
  let t: TestApp;
  let user: TestUser;
  let tag: string;

  const ids = async (sql: string, params: unknown[] = []): Promise<string[]> =>
    (await t.dataSource.query<Array<{ id: string }>>(sql, params)).map((r) => r.id).sort();
  const ledgerRows = async (): Promise<number> =>
    (await t.dataSource.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM credit_ledger'))[0].n;
  const scrape = async () => parsePrometheus((await t.http().get('/metrics').expect(200)).text);
  const run = () => t.app.get(RetentionScheduler).run();

  /** Webhook events of every status, old and recent; consume keys; outbound events in every state. */
  async function seed(): Promise<void> {
    for (const [status, age] of [
      ['processed', OLD],
      ['ignored', OLD],
      ['processed', OLD],
      ['pending', OLD],
      ['processing', OLD],
      ['failed', OLD],
      ['dead', OLD],
      ['processed', RECENT],
      ['ignored', RECENT],
    ] as const) {
      await t.dataSource.query(
        // Due tomorrow and leased: the app's own worker leaves these rows as they are during the test.
        `INSERT INTO webhook_events (id, type, created, payload, status, received_at, next_attempt_at, locked_until)
         VALUES ($1, 'ping', now(), '{}', $2, ${age}, now() + interval '1 day', now() + interval '1 day')`,
        [`evt_${tag}_${status}_${age === OLD ? 'old' : 'new'}_${randomBytes(2).toString('hex')}`, status],
      );
    }
    for (const [key, age] of [
      ['old-1', "now() - interval '8 days'"],
      ['old-2', OLD],
      ['old-3', OLD],
      ['new-1', "now() - interval '6 days'"],
    ]) {
      await t.dataSource.query(
        `INSERT INTO consume_requests (user_id, idempotency_key, request_hash, response, created_at)
         VALUES ($1, $2, 'h', '{}', ${age})`,
        [user.id, `${tag}-${key}`],
      );
    }
    const [endpoint] = await t.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO webhook_endpoints (url, events, secret) VALUES ('https://example.com/hook', '{}', 'whsec_x')
       RETURNING id`,
    );
    // event → its deliveries' statuses
    const outbox: Array<[string, string, string[]]> = [
      ['done', OLD, ['succeeded', 'failed']],
      ['none', OLD, []],
      ['undelivered', OLD, ['succeeded', 'pending']],
      ['sending', OLD, ['sending']],
      ['fresh', RECENT, ['succeeded']],
    ];
    for (const [name, age, statuses] of outbox) {
      const id = `msg_${tag}_${name}`;
      await t.dataSource.query(
        `INSERT INTO outbound_events (id, type, payload, created_at) VALUES ($1, 'webhook.test', '{}', ${age})`,
        [id],
      );
      for (const status of statuses) {
        await t.dataSource.query(
          `INSERT INTO outbound_deliveries (event_id, endpoint_id, status, created_at) VALUES ($1, $2, $3, ${age})`,
          [id, endpoint.id, status],
        );
      }
    }
  }

  beforeAll(async () => {
    t = await createTestApp({ env: ENV });
    user = await registerUser(t);
  });
  beforeEach(() => {
    tag = randomBytes(4).toString('hex');
  });
  // The seeded events that are never done would keep the inbox from ever draining for the next test.
  afterEach(() => t.dataSource.query('DELETE FROM webhook_events WHERE id LIKE $1', [`evt_${tag}_%`]));
  afterAll(async () => {
    await t.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await t.close();
  });

  it('is scheduled on @nestjs/schedule when RETENTION_ENABLED (the default)', () => {
    expect(t.app.get(SchedulerRegistry).getIntervals()).toContain('retention');
  });

  it('prunes only finished rows older than their window, in bounded batches; keeps the rest and the ledger', async () => {
    await seed();
    const ledgerBefore = await ledgerRows();
    const before = await scrape();
    const batches = jest.spyOn(WEBHOOK_EVENTS_RETENTION, 'pruneBatch');

    const report = await run();

    expect(report.outcome).toBe('ran');
    expect(rowsOf(report)).toEqual(SEEDED_PRUNABLE);
    // 3 rows, 2 per batch: a full batch, then a short one that ends the table.
    expect(batches.mock.calls.map((c) => c[2])).toEqual([BATCH, BATCH]);
    batches.mockRestore();

    const left = await ids(`SELECT id FROM webhook_events WHERE id LIKE $1`, [`evt_${tag}_%`]);
    expect(left.map((id) => id.split('_').slice(2, 4).join('_')).sort()).toEqual(
      ['dead_old', 'failed_old', 'ignored_new', 'pending_old', 'processed_new', 'processing_old'].sort(),
    );
    expect(
      await ids(`SELECT idempotency_key AS id FROM consume_requests WHERE idempotency_key LIKE $1`, [
        `${tag}-%`,
      ]),
    ).toEqual([`${tag}-new-1`]);
    expect(await ids(`SELECT id FROM outbound_events WHERE id LIKE $1`, [`msg_${tag}_%`])).toEqual(
      [`msg_${tag}_fresh`, `msg_${tag}_sending`, `msg_${tag}_undelivered`].sort(),
    );
    const deliveries = await t.dataSource.query<Array<{ event_id: string; status: string }>>(
      `SELECT event_id, status FROM outbound_deliveries WHERE event_id LIKE $1 ORDER BY event_id, status`,
      [`msg_${tag}_%`],
    );
    expect(deliveries.map((d) => `${d.event_id.split('_')[2]}:${d.status}`)).toEqual([
      'fresh:succeeded',
      'sending:sending',
      'undelivered:pending',
      'undelivered:succeeded',
    ]);
    expect(await ledgerRows()).toBe(ledgerBefore);

    const after = await scrape();
    const moved = movedBetween(before, after);
    expect(moved('tollgate_retention_pruned_total', 'table="webhook_events"')).toBe(3);
    expect(moved('tollgate_retention_pruned_total', 'table="consume_requests"')).toBe(3);
    expect(moved('tollgate_retention_pruned_total', 'table="outbound_deliveries"')).toBe(2);
    expect(moved('tollgate_retention_pruned_total', 'table="outbound_events"')).toBe(2);
    expect(moved('tollgate_retention_runs_total', 'outcome="ran"')).toBe(1);

    // Nothing left to prune: the next run deletes nothing.
    expect((await run()).tables.every((r) => r.rows === 0)).toBe(true);
  });

  it('a Stripe retry of an event whose inbox row was pruned is processed again and grants nothing twice', async () => {
    const buyer = await registerUser(t);
    const pack = await catalogPrice(t, 'one_time', '100 Credits');
    const session = await createPackCheckout(t, buyer, pack);
    expect(await t.emulator.completeCheckout(session, { card: '4242424242424242' })).toEqual({ ok: true });
    await waitForCredits(t, buyer, 100);
    await settle(t);
    const [stored] = await t.dataSource.query<Array<{ id: string; payload: Stripe.Event }>>(
      `SELECT id, payload FROM webhook_events
        WHERE type = 'checkout.session.completed' AND payload->'data'->'object'->>'id' = $1`,
      [session],
    );
    expect(await eventStatus(t, stored.id)).toMatchObject({ status: 'processed' });
    await t.dataSource.query(`UPDATE webhook_events SET received_at = ${OLD} WHERE id = $1`, [stored.id]);

    await run();
    expect(await eventStatus(t, stored.id)).toBeUndefined();

    // Stripe (or stripe:replay) sends it again: a new inbox row, processed, and the purchase's cause key
    // (purchase:<checkout session>) makes the grant a no-op.
    expect((await deliver(t, stored.payload)).status).toBe(200);
    await waitFor(
      async () => (await eventStatus(t, stored.id))?.status === 'processed',
      'the retry processed',
    );
    expect(await credits(t, buyer)).toEqual({
      monthly_credits: 0,
      purchased_credits: 100,
      promotional_credits: 0,
      total_credits: 100,
      held_credits: 0,
      expiring: [],
      overage: NO_OVERAGE,
    });
    expect((await ledgerReasons(t, buyer)).filter((r) => r === 'purchase')).toHaveLength(1);
    await expectLedgerConsistent(t);
  });

  it('a dry run counts what would go and deletes nothing', async () => {
    await seed();
    const config = t.app.get<RetentionConfig>(retentionConfig.KEY);
    const report = await runRetention(t.dataSource, config, {
      embedded: !process.env.DATABASE_URL,
      dryRun: true,
    });
    expect(report.outcome).toBe('dry_run');
    expect(rowsOf(report)).toEqual(SEEDED_PRUNABLE);
    expect(await ids(`SELECT id FROM webhook_events WHERE id LIKE $1`, [`evt_${tag}_%`])).toHaveLength(9);
    expect(await ids(`SELECT id FROM outbound_events WHERE id LIKE $1`, [`msg_${tag}_%`])).toHaveLength(5);
    await run(); // leave nothing old behind for the next test
  });

  // Several instances, and an operator's command beside the server, can only share a real PostgreSQL.
  // Reported as skipped, by name, on the embedded database.
  const withPostgres = process.env.DATABASE_URL ? it : it.skip;

  withPostgres(
    'npm run retention:run: --dry-run reports counts and deletes nothing; without it, prunes',
    async () => {
      await seed();
      const cli = async (...args: string[]): Promise<string> => {
        const writes: string[] = [];
        const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
          writes.push(String(chunk));
          return true;
        });
        const saved = process.env.DATABASE_URL;
        process.env.DATABASE_URL = (t.dataSource.options as PostgresDataSourceOptions).url!;
        try {
          expect(await retentionCli(args)).toBe(0);
        } finally {
          out.mockRestore();
          process.env.DATABASE_URL = saved;
        }
        return writes.join('');
      };
      const dry = await cli('--dry-run');
      expect(dry).toMatch(/: dry run, nothing deleted\n {2}webhook_events: would prune 3 \(older than /);
      expect(dry).toContain('consume_requests: would prune 3');
      expect(await ids(`SELECT id FROM webhook_events WHERE id LIKE $1`, [`evt_${tag}_%`])).toHaveLength(9);
      const real = await cli();
      expect(real).toContain('webhook_events: pruned 3');
      expect(real).toContain('outbound_events: pruned 2');
      expect(await ids(`SELECT id FROM webhook_events WHERE id LIKE $1`, [`evt_${tag}_%`])).toHaveLength(6);
    },
  );

  withPostgres('three instances whose timers fire together prune once: one runs, two skip', async () => {
    const databaseUrl = (t.dataSource.options as PostgresDataSourceOptions).url!;
    const others = [
      await createTestApp({ databaseUrl, env: ENV }),
      await createTestApp({ databaseUrl, env: ENV }),
    ];
    const holder = t.dataSource.createQueryRunner();
    try {
      await seed();
      const before = await scrape();
      // Hold one old processed event's row lock, so the first run to take the retention lock blocks inside
      // its first DELETE: the others then try the lock while that run provably holds it.
      const [victim] = await ids(
        `SELECT id FROM webhook_events WHERE id LIKE $1 AND status = 'processed'
                                    AND received_at < now() - interval '30 days'`,
        [`evt_${tag}_%`],
      );
      await holder.connect();
      await holder.startTransaction();
      await holder.query('SELECT 1 FROM webhook_events WHERE id = $1 FOR UPDATE', [victim]);

      const first = t.app.get(RetentionScheduler).run();
      await waitFor(async () => {
        const [row] = await t.dataSource.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%DELETE FROM webhook_events%'`,
        );
        return row.n === 1;
      }, 'the first run waiting on the held row');
      const rest = await Promise.all(others.map((o) => o.app.get(RetentionScheduler).run()));
      expect(rest.map((r) => r.outcome)).toEqual(['skipped', 'skipped']);
      await holder.commitTransaction();
      const ran = await first;

      expect(ran.outcome).toBe('ran');
      expect(rowsOf(ran)).toEqual(SEEDED_PRUNABLE);
      const after = await scrape(); // one prom-client registry per process: the three instances' sum
      const moved = movedBetween(before, after);
      expect(moved('tollgate_retention_runs_total', 'outcome="ran"')).toBe(1);
      expect(moved('tollgate_retention_runs_total', 'outcome="skipped"')).toBe(2);
      expect(moved('tollgate_retention_pruned_total', 'table="webhook_events"')).toBe(3);
      // The lock is free again: the next run (on another instance) takes it.
      expect((await others[0].app.get(RetentionScheduler).run()).outcome).toBe('ran');
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
      for (const o of others) await o.close();
    }
  });
});
