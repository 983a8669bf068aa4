import { loadCatalogFile } from '../plans/catalog-file';
import { CatalogPusher } from '../plans/catalog-pusher';
import { catalogStripeClient } from './catalog-stripe-client';
import { runCli } from './cli-data-source';

/**
 * npm run catalog:push [-- <catalog.json>] [--live]: creates or updates Stripe products and prices from the
 * catalog file, idempotently (keyed by price lookup keys). Follow with `npm run catalog:sync`.
 */
runCli(async () => {
  const argv = process.argv.slice(2);
  const file = argv.find((a) => !a.startsWith('--'));
  const catalog = loadCatalogFile(file);
  const { stripe, target } = catalogStripeClient(argv);
  console.log(`Pushing catalog v${catalog.version} to ${target}…`);
  const result = await new CatalogPusher(stripe, (msg) => console.log(`  ${msg}`)).push(catalog);
  console.log(
    `Done: ${result.created.length} created, ${result.updated.length} updated, ${result.repriced.length} repriced, ` +
      `${result.unchanged.length} unchanged, ${result.archived.length} archived.`,
  );
});
