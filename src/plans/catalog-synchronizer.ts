import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { rows as sqlRows } from '../common/db/sql';
import { NOTIFY_CATALOG_CHANGED_SQL } from './catalog-change-listener';
import { buildCatalogRows, CatalogRows, hasFeatures, PackageRow, PlanRow } from './catalog-rows-from-stripe';
import { listAllPrices, listAllProducts, retrieveProductOrNull } from './catalog-stripe-reads';
import { FreePlan } from './free-plan.entity';
import { CreditPackage } from './credit-package.entity';
import { Plan } from './plan.entity';

/** Which rows a read from Stripe is authoritative for: everything, or the rows of some products. */
export type SyncScope = { kind: 'all' } | { kind: 'products'; productIds: string[] };

export interface CatalogSnapshot {
  scope: SyncScope;
  rows: CatalogRows;
}

export interface SyncResult {
  plans: number;
  packages: number;
  /** Rows that stopped being for sale in this run (archived prices stay, inactive, for existing subscriptions). */
  deactivated: number;
  skipped: CatalogRows['skipped'];
}

const PLAN_COLUMNS = [
  'product_name',
  'product_id',
  'price',
  'full_plan_name',
  'full_price_name',
  'monthly_uses',
  'description',
  'unit_amount',
  'currency',
  'currency_options',
  'interval',
  'interval_count',
  'trial_days',
  'active',
  'display_order',
  'lookup_key',
  'features',
  'overage',
  'tax_behavior',
  'tax_code',
  'updated_at',
];
const PACKAGE_COLUMNS = [
  'product_name',
  'product_id',
  'price',
  'uses_amount',
  'expires_in_days',
  'description',
  'unit_amount',
  'currency',
  'currency_options',
  'active',
  'display_order',
  'lookup_key',
  'tax_behavior',
  'tax_code',
  'updated_at',
];

/** Serializes catalog writers (webhook handlers, admin sync, CLI) on one database. */
const CATALOG_LOCK_SQL = `SELECT pg_advisory_xact_lock(hashtext('tollgate.catalog'))`;

/**
 * Reads the catalog from Stripe and writes it into `plans` and `packages`. Reading and writing are separate so
 * a webhook handler can read first and write inside its event transaction. Every write is a full upsert keyed
 * by price_id for the rows in scope: replaying it, or applying reads in any order, converges on Stripe's state.
 */
export class CatalogSynchronizer {
  constructor(private readonly stripe: Stripe) {}

  /** Every product and price in the account. */
  async readAll(): Promise<CatalogSnapshot> {
    const [products, prices] = await Promise.all([listAllProducts(this.stripe), listAllPrices(this.stripe)]);
    return {
      scope: { kind: 'all' },
      rows: buildCatalogRows(products, prices, await this.readFlags(products)),
    };
  }

  /** The active Entitlements features attached to each plan's product (one list call per plan product). */
  private async readFlags(products: readonly Stripe.Product[]): Promise<Map<string, string[]>> {
    const flags = new Map<string, string[]>();
    for (const product of products.filter(hasFeatures)) {
      const attached = await this.stripe.products
        .listFeatures(product.id, { limit: 100 })
        .autoPagingToArray({ limit: 1000 });
      flags.set(
        product.id,
        attached.filter((pf) => pf.entitlement_feature.active).map((pf) => pf.entitlement_feature.lookup_key),
      );
    }
    return flags;
  }

  /** One product and all its prices; a deleted product yields no rows (its rows become inactive). */
  async readProduct(productId: string): Promise<CatalogSnapshot> {
    const product = await retrieveProductOrNull(this.stripe, productId);
    const prices = product ? await listAllPrices(this.stripe, { product: productId }) : [];
    const products = product ? [product] : [];
    return {
      scope: { kind: 'products', productIds: [productId] },
      rows: buildCatalogRows(products, prices, await this.readFlags(products)),
    };
  }

  /** Writes a snapshot. Run it inside a transaction (`dataSource.transaction` or a webhook's `ctx.commit`). */
  async apply(manager: EntityManager, snapshot: CatalogSnapshot): Promise<SyncResult> {
    await manager.query(CATALOG_LOCK_SQL);
    const { rows, scope } = snapshot;
    const skipped = [...rows.skipped];
    if (scope.kind === 'products') {
      await this.yieldTakenNames(manager, 'plans', rows.plans, scope.productIds, skipped);
      await this.yieldTakenNames(manager, 'packages', rows.packages, scope.productIds, skipped);
    }
    // Deactivate first so the partial unique indexes (one sellable row per product and name) never see two.
    const deactivated =
      (await this.deactivateOthers(manager, 'plans', rows.plans, scope)) +
      (await this.deactivateOthers(manager, 'packages', rows.packages, scope));
    await this.upsert(manager, Plan, PLAN_COLUMNS, rows.plans);
    await this.upsert(manager, CreditPackage, PACKAGE_COLUMNS, rows.packages);
    await this.applyFreePlans(manager, rows, scope);
    // Every replica's product cache drops when this transaction commits (nothing is sent if it rolls back).
    await manager.query(NOTIFY_CATALOG_CHANGED_SQL);
    return {
      plans: rows.plans.filter((r) => r.active).length,
      packages: rows.packages.filter((r) => r.active).length,
      deactivated,
      skipped,
    };
  }

  /** Free-plan products: upserted by product id; those the read no longer sees (in its scope) go inactive. */
  private async applyFreePlans(manager: EntityManager, rows: CatalogRows, scope: SyncScope): Promise<void> {
    const seen = rows.freePlans.map((r) => r.productId);
    const params: unknown[] = [seen];
    let where = 'active AND NOT (product_id = ANY($1))';
    if (scope.kind === 'products') {
      params.push(scope.productIds);
      where += ' AND product_id = ANY($2)';
    }
    await manager.query(`UPDATE free_plans SET active = false, updated_at = now() WHERE ${where}`, params);
    if (rows.freePlans.length === 0) return;
    await manager
      .createQueryBuilder()
      .insert()
      .into(FreePlan)
      .values(rows.freePlans)
      .orUpdate(['lookup_key', 'name', 'features', 'active', 'updated_at'], ['product_id'])
      .execute();
  }

  /** A product-scoped read cannot see other products: a name another product sells under stays theirs. */
  private async yieldTakenNames(
    manager: EntityManager,
    table: 'plans' | 'packages',
    rows: Array<PlanRow | PackageRow>,
    productIds: string[],
    skipped: CatalogRows['skipped'],
  ): Promise<void> {
    const selling = rows.filter((r) => r.active);
    if (selling.length === 0) return;
    const taken = await sqlRows<{ product_name: string }>(
      manager,
      `SELECT product_name FROM ${table} WHERE active AND product_name = ANY($1) AND NOT (product_id = ANY($2))`,
      [selling.map((r) => r.productName), productIds],
    );
    const names = new Set(taken.map((t) => t.product_name));
    for (const row of selling.filter((r) => names.has(r.productName))) {
      row.active = false;
      skipped.push({
        price_id: row.priceId,
        product_id: row.productId,
        reason: `another active product is already named "${row.productName}"`,
      });
    }
  }

  private async deactivateOthers(
    manager: EntityManager,
    table: 'plans' | 'packages',
    rows: Array<PlanRow | PackageRow>,
    scope: SyncScope,
  ): Promise<number> {
    const keep = rows.filter((r) => r.active).map((r) => r.priceId);
    const params: unknown[] = [keep];
    let where = 'active AND NOT (price_id = ANY($1))';
    if (scope.kind === 'products') {
      params.push(scope.productIds);
      where += ' AND product_id = ANY($2)';
    }
    const changed = await sqlRows<{ changed: 1 }>(
      manager,
      `UPDATE ${table} SET active = false, updated_at = now() WHERE ${where} RETURNING 1 AS changed`,
      params,
    );
    return changed.length;
  }

  private async upsert(
    manager: EntityManager,
    entity: typeof Plan | typeof CreditPackage,
    columns: string[],
    rows: Array<PlanRow | PackageRow>,
  ): Promise<void> {
    // Archived rows first: sellable ones then never meet a still-active namesake inside the statement.
    const ordered = [...rows].sort((a, b) => Number(a.active) - Number(b.active));
    for (let i = 0; i < ordered.length; i += 200) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(entity)
        .values(ordered.slice(i, i + 200))
        .orUpdate(columns, ['price_id'])
        .execute();
    }
  }
}
