import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import { stripeConfig, StripeConfig } from '../config/stripe.config';
import { databaseConfig, DatabaseConfig } from '../config/database.config';
import { ADVISORY_LOCK, withAdvisoryLock } from '../common/db/advisory-lock';
import { firstRow } from '../common/db/sql';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { CatalogFile, defaultCatalogPath, loadCatalogFile } from './catalog-file';
import { CatalogPusher, PushResult } from './catalog-pusher';
import { CatalogSynchronizer } from './catalog-synchronizer';
import { CatalogSyncOptions, CatalogSyncRun, runCatalogSync } from './catalog-sync-run';
import { PlansService } from './plans.service';
import { existsSync } from 'node:fs';

/**
 * The transaction a catalog refresh writes in: a Stripe event's (the webhooks module hands its event context,
 * whose `commit` also marks the event processed). Declared here so plans does not import webhooks.
 */
export interface InEventTransaction {
  commit<R>(work: (manager: EntityManager) => Promise<R>): Promise<R>;
}

/**
 * Keeps the catalog tables in step with Stripe: full syncs (admin, CLI), per-product refreshes (webhooks), and
 * the default catalog pushed to the emulator on a fresh embedded start.
 */
@Injectable()
export class CatalogSyncService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Catalog');
  private readonly synchronizer: CatalogSynchronizer;

  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(stripeConfig.KEY) private readonly config: StripeConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly plans: PlansService,
    @Inject(databaseConfig.KEY) private readonly database: DatabaseConfig,
  ) {
    this.synchronizer = new CatalogSynchronizer(stripe);
  }

  /** Pulls every product and price from Stripe into the tables (full upsert by price_id), or says what it would. */
  async syncFromStripe(
    options: CatalogSyncOptions = { dryRun: false, allowEmpty: false },
  ): Promise<CatalogSyncRun> {
    const snapshot = await this.synchronizer.readAll();
    const result = await runCatalogSync(this.dataSource, this.synchronizer, snapshot, options);
    if (!result.applied) return result;
    this.plans.invalidate();
    for (const s of result.skipped) this.logger.warn(`skipped ${s.price_id} (${s.product_id}): ${s.reason}`);
    this.logger.log(
      `catalog synced: ${result.plans} plans, ${result.packages} packages for sale, ${result.deactivated} deactivated`,
    );
    return result;
  }

  /** Makes Stripe match a catalog file (see CatalogPusher). */
  async pushToStripe(catalog: CatalogFile): Promise<PushResult> {
    return new CatalogPusher(this.stripe, (msg) => this.logger.debug(msg)).push(catalog);
  }

  /**
   * A product.* or price.* webhook: re-read the product and all its prices from Stripe (so event order and
   * duplicates do not matter), write them in the event's transaction, then drop the cache.
   */
  async refreshProduct(ctx: InEventTransaction, productId: string | null): Promise<void> {
    if (!productId) return;
    const snapshot = await this.synchronizer.readProduct(productId);
    await ctx.commit((manager) => this.synchronizer.apply(manager, snapshot));
    this.plans.invalidate();
  }

  /** Emulator only: a fresh database gets the default catalog, so the first product list shows something real. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.mode !== 'emulator') return;
    // Replicas booting together on a fresh database: one pushes, the others wait and then find it done.
    const embedded = this.database.embedded;
    await withAdvisoryLock(this.dataSource, ADVISORY_LOCK.defaultCatalogPush, embedded, () =>
      this.pushDefaultCatalog(),
    );
  }

  private async pushDefaultCatalog(): Promise<void> {
    const count = await firstRow<{ n: number }>(
      this.dataSource,
      `SELECT (SELECT count(*) FROM plans)::int + (SELECT count(*) FROM packages)::int AS n`,
    );
    if (count!.n > 0 && (await this.stripeKnowsCatalog())) return;
    const path = defaultCatalogPath();
    if (!existsSync(path)) {
      this.logger.warn(`no catalog file at ${path}: the catalog stays empty`);
      return;
    }
    const pushed = await this.pushToStripe(loadCatalogFile(path));
    this.logger.log(`default catalog v${pushed.version} pushed to the Stripe emulator`);
    await this.syncFromStripe();
  }

  /** A restarted demo may keep its database but not its emulator state: then the catalog is pushed again. */
  private async stripeKnowsCatalog(): Promise<boolean> {
    const row = await firstRow<{ price_id: string }>(
      this.dataSource,
      `SELECT price_id FROM plans WHERE active UNION ALL SELECT price_id FROM packages WHERE active LIMIT 1`,
    );
    if (!row) return false;
    try {
      await this.stripe.prices.retrieve(row.price_id);
      return true;
    } catch {
      return false;
    }
  }
}
