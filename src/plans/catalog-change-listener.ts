import { Inject, Injectable } from '@nestjs/common';
import { databaseConfig, DatabaseConfig } from '../config/database.config';
import { NotificationListener } from '../common/db/notification-listener';
import { PlansService } from './plans.service';

/** The PostgreSQL channel every catalog write notifies in its transaction (so the notice leaves at commit). */
export const CATALOG_CHANNEL = 'tollgate_catalog';
export const NOTIFY_CATALOG_CHANGED_SQL = `SELECT pg_notify('${CATALOG_CHANNEL}', '')`;

/**
 * Keeps this replica's product cache current when another process changes the catalog (another replica's
 * webhook, the admin sync, the catalog:sync CLI): every notice on `tollgate_catalog` drops the cache, and so
 * does a lost LISTEN connection; the cache's TTL (CATALOG_CACHE_TTL_MS) is the last safety net.
 */
@Injectable()
export class CatalogChangeListener extends NotificationListener {
  constructor(
    @Inject(databaseConfig.KEY) database: DatabaseConfig,
    private readonly plans: PlansService,
  ) {
    super(database, CATALOG_CHANNEL, 'catalog change');
  }

  protected onNotice(): void {
    this.plans.invalidate();
  }

  protected reset(): void {
    this.plans.invalidate();
  }
}
