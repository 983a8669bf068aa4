import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { CONSUME_SQL, verifyLedger } from '../../src/credits/credits.service';
import { postgresServerUrl } from '../support/local-postgres';
import { createScratchDatabase } from '../support/test-database';

const server = postgresServerUrl();
const withPostgres = server ? it : it.skip;

/** The consume statement of the release before the credit engine (two buckets, no grants), verbatim. */
const PREVIOUS_CONSUME_SQL = `WITH cur AS (
     SELECT user_id, monthly, purchased FROM credit_balances WHERE user_id = $1 FOR UPDATE
   ), upd AS (
     UPDATE credit_balances b
        SET monthly = cur.monthly - LEAST(cur.monthly, $2::int),
            purchased = cur.purchased - ($2::int - LEAST(cur.monthly, $2::int)),
            updated_at = now()
       FROM cur
      WHERE b.user_id = cur.user_id AND cur.monthly + cur.purchased >= $2::int
     RETURNING b.monthly, b.purchased, LEAST(cur.monthly, $2::int) AS from_monthly,
               $2::int - LEAST(cur.monthly, $2::int) AS from_purchased
   ), led AS (
     INSERT INTO credit_ledger (user_id, bucket, amount, balance_after, reason, source_type, source_id,
                                idempotency_key, metadata)
     SELECT $1, x.bucket, -x.taken, x.after, 'consume', 'consume', $3::text, $3::text || ':' || x.bucket,
            jsonb_build_object('reason', $4::text)
       FROM upd, LATERAL (VALUES ('monthly', upd.from_monthly, upd.monthly),
                                 ('purchased', upd.from_purchased, upd.purchased)) AS x(bucket, taken, after)
      WHERE x.taken > 0
   )
   SELECT monthly, purchased, from_monthly, from_purchased FROM upd`;

const GRANTS = 'CreditGrants1764401000000';

/** Reverts the migrations after the credit engine's, then the credit engine's own. */
async function undoThrough(ds: DataSource): Promise<void> {
  const last = async () =>
    (await ds.query<Array<{ name: string }>>('SELECT name FROM migrations ORDER BY id DESC LIMIT 1'))[0].name;
  while ((await last()) !== GRANTS) await ds.undoLastMigration();
  await ds.undoLastMigration();
}

/**
 * The credit engine's migration on a database shaped like production's before it: subscribers with a period's
 * allowance partly spent, pack buyers, users with nothing. After `up`, every user's live grants, bucket balance
 * and ledger agree (credits:verify), the period grant expires at period end + grace, the previous release's
 * consume statement is refused (so a replica still running it cannot break the invariants), and `down` restores
 * the previous schema — or refuses while it would lose promotional credits or holds.
 */
describe('credit grants migration', () => {
  withPostgres(
    'turns balances into grants with every invariant kept, refuses the old consume, and reverts (skipped without PostgreSQL)',
    async () => {
      const scratch = await createScratchDatabase(server!);
      const before = MIGRATIONS.slice(
        0,
        MIGRATIONS.findIndex((m) => m.name === GRANTS),
      );
      const old = await new DataSource({
        type: 'postgres',
        url: scratch.url,
        migrations: before,
      }).initialize();
      let ds: DataSource | undefined;
      try {
        await old.runMigrations();
        // Previous-release data, written as the previous release wrote it.
        const periodEnd = new Date(Date.now() + 10 * 86_400_000);
        const user = async (email: string) =>
          (
            await old.query<Array<{ id: string }>>(
              `INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id`,
              [email],
            )
          )[0].id;
        const post = (userId: string, bucket: string, amount: number, reason: string, key: string) =>
          old.query(
            `WITH b AS (
               INSERT INTO credit_balances (user_id, monthly, purchased)
               VALUES ($1, CASE WHEN $2 = 'monthly' THEN $3::int ELSE 0 END, CASE WHEN $2 = 'purchased' THEN $3::int ELSE 0 END)
               ON CONFLICT (user_id) DO UPDATE SET monthly = credit_balances.monthly + (CASE WHEN $2 = 'monthly' THEN $3::int ELSE 0 END),
                                                   purchased = credit_balances.purchased + (CASE WHEN $2 = 'purchased' THEN $3::int ELSE 0 END)
               RETURNING monthly, purchased)
             INSERT INTO credit_ledger (user_id, bucket, amount, balance_after, reason, idempotency_key)
             SELECT $1, $2, $3, CASE WHEN $2 = 'monthly' THEN b.monthly ELSE b.purchased END, $4, $5 FROM b`,
            [userId, bucket, amount, reason, key],
          );
        const subscriber = await user('subscriber@example.com');
        await old.query(
          `INSERT INTO subscriptions (id, user_id, customer_id, status, current_period_start, current_period_end)
           VALUES ('sub_mig', $1, 'cus_mig', 'active', now() - interval '20 days', $2)`,
          [subscriber, periodEnd],
        );
        await old.query(
          `INSERT INTO credit_periods (subscription_id, user_id, period_start) VALUES ('sub_mig', $1, now() - interval '20 days')`,
          [subscriber],
        );
        await post(subscriber, 'monthly', 100, 'subscription_grant', 'period:sub_mig:1:grant');
        await post(subscriber, 'purchased', 50, 'purchase', 'purchase:cs_mig_1');
        await old.query(PREVIOUS_CONSUME_SQL, [subscriber, 30, 'consume:old-1', 'before']);
        const buyer = await user('buyer@example.com');
        await post(buyer, 'purchased', 20, 'purchase', 'purchase:cs_mig_2');
        await user('nobody@example.com');
        await old.destroy();

        ds = await new DataSource({
          type: 'postgres',
          url: scratch.url,
          migrations: MIGRATIONS,
        }).initialize();
        await ds.runMigrations();
        expect(await verifyLedger(ds.manager)).toEqual([]);
        const grants = await ds.query<Array<Record<string, unknown>>>(
          `SELECT user_id, bucket, remaining, source, source_id, expires_at FROM credit_grants ORDER BY user_id, bucket`,
        );
        const grace = 7 * 86_400_000;
        expect(grants).toEqual(
          expect.arrayContaining([
            {
              user_id: subscriber,
              bucket: 'monthly',
              remaining: 70,
              source: 'period',
              source_id: 'sub_mig',
              expires_at: new Date(periodEnd.getTime() + grace),
            },
            {
              user_id: subscriber,
              bucket: 'purchased',
              remaining: 50,
              source: 'migration',
              source_id: null,
              expires_at: null,
            },
            {
              user_id: buyer,
              bucket: 'purchased',
              remaining: 20,
              source: 'migration',
              source_id: null,
              expires_at: null,
            },
          ]),
        );
        expect(grants).toHaveLength(3);

        // A replica of the previous release still running its consume: refused, nothing moves.
        await expect(
          ds.query(PREVIOUS_CONSUME_SQL, [subscriber, 5, 'consume:old-2', 'stale']),
        ).rejects.toThrow(/credit_ledger_names_its_grant/);
        // The new statement spends the expiring monthly grant first.
        const [row] = await ds.query<Array<{ from_monthly: number; from_purchased: number }>>(CONSUME_SQL, [
          subscriber,
          80,
          'consume:new-1',
          'after',
        ]);
        expect(row).toMatchObject({ from_monthly: 70, from_purchased: 10 });
        expect(await verifyLedger(ds.manager)).toEqual([]);

        // down: the previous schema, its balances still the ledger's sums; up again rebuilds the grants.
        await undoThrough(ds);
        const [sums] = await ds.query<Array<{ bad: number }>>(
          `SELECT count(*)::int AS bad FROM credit_balances b
            WHERE b.monthly <> (SELECT COALESCE(sum(amount), 0) FROM credit_ledger l WHERE l.user_id = b.user_id AND bucket = 'monthly')
               OR b.purchased <> (SELECT COALESCE(sum(amount), 0) FROM credit_ledger l WHERE l.user_id = b.user_id AND bucket = 'purchased')`,
        );
        expect(sums.bad).toBe(0);
        await ds.runMigrations();
        expect(await verifyLedger(ds.manager)).toEqual([]);

        // With promotional credits in the ledger, down refuses and leaves everything as it was.
        await ds.query(
          `WITH g AS (INSERT INTO credit_grants (user_id, bucket, amount, remaining, source, idempotency_key)
                      VALUES ($1, 'promotional', 5, 5, 'admin', 'promo-1') RETURNING id),
                b AS (UPDATE credit_balances SET promotional = promotional + 5 WHERE user_id = $1)
           INSERT INTO credit_ledger (user_id, bucket, amount, balance_after, reason, idempotency_key, grant_id)
           SELECT $1, 'promotional', 5, 5, 'grant', 'promo-1', id FROM g`,
          [buyer],
        );
        await expect(undoThrough(ds)).rejects.toThrow(/cannot revert the credit engine/);
        // (the later migrations it reverted on the way come back; the ledger checks are today's)
        await ds.runMigrations();
        expect(await verifyLedger(ds.manager)).toEqual([]);
      } finally {
        if (old.isInitialized) await old.destroy();
        if (ds?.isInitialized) await ds.destroy();
        await scratch.drop();
      }
    },
  );
});
