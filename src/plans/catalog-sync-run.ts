import type { DataSource, EntityManager } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors';
import { rows } from '../common/db/sql';
import type { CatalogSnapshot, CatalogSynchronizer, SyncResult } from './catalog-synchronizer';

/** One line of what a full sync changes in the tables: a price put on sale, taken off sale, or altered. */
export interface CatalogChange {
  change: 'added' | 'deactivated' | 'updated';
  kind: 'plan' | 'package';
  price_id: string;
  name: string;
  /** For `updated`: the fields that differ. */
  fields?: string[];
}

export interface CatalogSyncRun extends SyncResult {
  /** false for a dry run (the transaction was rolled back). */
  applied: boolean;
  changes: CatalogChange[];
}

export interface CatalogSyncOptions {
  dryRun: boolean;
  /** Apply even if nothing would be left for sale (otherwise 409 CATALOG_SYNC_WOULD_EMPTY). */
  allowEmpty: boolean;
}

const COMPARED = [
  'product_name',
  'unit_amount',
  'currency',
  'currency_options',
  'credits',
  'trial_days',
  'tax_behavior',
  'tax_code',
];

type Row = Record<string, unknown> & { price_id: string; product_name: string };

async function sellable(m: EntityManager): Promise<Map<string, Row & { kind: 'plan' | 'package' }>> {
  const found = await rows<Row & { kind: 'plan' | 'package' }>(
    m,
    `SELECT 'plan' AS kind, price_id, product_name, unit_amount, currency, currency_options,
            monthly_uses AS credits, trial_days, tax_behavior, tax_code FROM plans WHERE active
     UNION ALL
     SELECT 'package', price_id, product_name, unit_amount, currency, currency_options, uses_amount, NULL::integer,
            tax_behavior, tax_code
       FROM packages WHERE active`,
  );
  return new Map(found.map((r) => [r.price_id, r]));
}

function diff(
  before: Map<string, Row & { kind: 'plan' | 'package' }>,
  after: typeof before,
): CatalogChange[] {
  const changes: CatalogChange[] = [];
  for (const [id, row] of after) {
    const old = before.get(id);
    if (!old) changes.push({ change: 'added', kind: row.kind, price_id: id, name: row.product_name });
    else {
      const fields = COMPARED.filter((f) => JSON.stringify(old[f]) !== JSON.stringify(row[f]));
      if (fields.length)
        changes.push({ change: 'updated', kind: row.kind, price_id: id, name: row.product_name, fields });
    }
  }
  for (const [id, row] of before) {
    if (!after.has(id))
      changes.push({ change: 'deactivated', kind: row.kind, price_id: id, name: row.product_name });
  }
  return changes;
}

class DryRun extends Error {
  constructor(readonly run: CatalogSyncRun) {
    super('dry run');
  }
}

/**
 * A full sync from a Stripe snapshot, with what it changes listed. A dry run applies it inside a transaction
 * and rolls back, so the listed changes are exactly what a real run would do. A sync that would leave nothing
 * for sale while something is (an empty or wrong Stripe account) is refused unless `allowEmpty`.
 */
export async function runCatalogSync(
  ds: DataSource,
  synchronizer: CatalogSynchronizer,
  snapshot: CatalogSnapshot,
  options: CatalogSyncOptions,
): Promise<CatalogSyncRun> {
  try {
    return await ds.transaction(async (m) => {
      const before = await sellable(m);
      const result = await synchronizer.apply(m, snapshot);
      const after = await sellable(m);
      const run: CatalogSyncRun = { ...result, applied: !options.dryRun, changes: diff(before, after) };
      if (options.dryRun) throw new DryRun(run);
      if (before.size > 0 && after.size === 0 && !options.allowEmpty) {
        throw new AppError(
          ErrorCode.CatalogSyncWouldEmpty,
          `Stripe has nothing Tollgate can sell, so this sync would take all ${before.size} prices off sale. ` +
            'Check the Stripe key; to empty the catalog on purpose, allow it explicitly.',
          { would_deactivate: before.size },
        );
      }
      return run;
    });
  } catch (err) {
    if (err instanceof DryRun) return err.run;
    throw err;
  }
}
