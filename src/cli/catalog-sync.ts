import { AppError } from '../common/errors';
import { CatalogSynchronizer } from '../plans/catalog-synchronizer';
import { runCatalogSync } from '../plans/catalog-sync-run';
import { catalogStripeClient } from './catalog-stripe-client';
import { openCliDataSource, runCli } from './cli-data-source';

/**
 * npm run catalog:sync [-- --yes] [--allow-empty] [--live]: pulls products and prices from Stripe into the plans
 * and packages tables (full upsert by price_id; prices no longer for sale become inactive but stay resolvable).
 * Without --yes it only shows what would change (a dry run: applied and rolled back). A sync that would take
 * everything off sale (an empty or wrong Stripe account) also needs --allow-empty. Running replicas drop their
 * product cache when the change commits (PostgreSQL NOTIFY).
 */
runCli(async () => {
  const argv = process.argv.slice(2);
  const apply = argv.includes('--yes');
  const { stripe, target } = catalogStripeClient(argv);
  const synchronizer = new CatalogSynchronizer(stripe);
  const snapshot = await synchronizer.readAll();
  const { ds, close, description } = await openCliDataSource();
  try {
    const run = await runCatalogSync(ds, synchronizer, snapshot, {
      dryRun: !apply,
      allowEmpty: argv.includes('--allow-empty'),
    });
    for (const s of run.skipped) console.log(`  skipped ${s.price_id} (${s.product_id}): ${s.reason}`);
    for (const c of run.changes) {
      const fields = c.fields ? ` (${c.fields.join(', ')})` : '';
      console.log(`  ${c.change.padEnd(11)} ${c.kind.padEnd(7)} ${c.price_id}  ${c.name}${fields}`);
    }
    const summary =
      `${target} → ${description}: ${run.plans} plans and ${run.packages} packages for sale, ` +
      `${run.deactivated} deactivated, ${run.changes.length} change(s).`;
    if (run.applied) console.log(`Synced ${summary}`);
    else console.log(`Dry run, nothing changed. ${summary}\nRun again with --yes to apply.`);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    console.error(`Refused (${err.code}): ${err.message} (pass --allow-empty with --yes).`);
    return 2;
  } finally {
    await close();
  }
});
