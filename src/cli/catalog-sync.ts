import { CatalogSynchronizer } from '../plans/catalog-synchronizer';
import { catalogStripeClient } from './catalog-stripe-client';
import { openCliDataSource, runCli } from './cli-data-source';

/**
 * npm run catalog:sync [-- --live]: pulls products and prices from Stripe into the plans and packages tables
 * (full upsert by price_id; prices no longer for sale become inactive but stay resolvable). A running service
 * picks the change up within a minute (its cache TTL), or at once via POST /admin/catalog/sync.
 */
runCli(async () => {
  const { stripe, target } = catalogStripeClient(process.argv.slice(2));
  const synchronizer = new CatalogSynchronizer(stripe);
  const snapshot = await synchronizer.readAll();
  const { ds, close, description } = await openCliDataSource();
  try {
    const result = await ds.transaction((manager) => synchronizer.apply(manager, snapshot));
    for (const s of result.skipped) console.log(`  skipped ${s.price_id} (${s.product_id}): ${s.reason}`);
    console.log(
      `Synced ${target} → ${description}: ${result.plans} plans and ${result.packages} packages for sale, ` +
        `${result.deactivated} deactivated.`,
    );
  } finally {
    await close();
  }
});
