import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { databaseConfig, DatabaseConfig } from '../config/database.config';
import { PlansService } from './plans.service';

/** The PostgreSQL channel every catalog write notifies in its transaction (so the notice leaves at commit). */
export const CATALOG_CHANNEL = 'tollgate_catalog';
export const NOTIFY_CATALOG_CHANGED_SQL = `SELECT pg_notify('${CATALOG_CHANNEL}', '')`;

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/**
 * Keeps this replica's product cache current when another process changes the catalog (another replica's
 * webhook, the admin sync, the catalog:sync CLI): one dedicated connection LISTENs on `tollgate_catalog`, and
 * every notice drops the cache. While that connection is down the cache is dropped too (a notice may have been
 * missed) and reconnected with backoff; the cache's TTL (CATALOG_CACHE_TTL_MS) is the last safety net.
 * The embedded database has a single process, whose own writes already invalidate, so nothing listens there.
 */
@Injectable()
export class CatalogChangeListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CatalogChangeListener');
  private client?: Client;
  private retry?: NodeJS.Timeout;
  private backoff = RECONNECT_MIN_MS;
  private closing = false;

  constructor(
    @Inject(databaseConfig.KEY) private readonly database: DatabaseConfig,
    private readonly plans: PlansService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.database.embedded) return;
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  /** True while the LISTEN connection is up (for tests and diagnostics). */
  get listening(): boolean {
    return this.client !== undefined;
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.database.url,
      connectionTimeoutMillis: this.database.connectTimeoutMs,
      application_name: 'tollgate-catalog-listener',
      keepAlive: true,
    });
    client.on('notification', () => this.plans.invalidate());
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CATALOG_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.lost(client, err as Error);
      return;
    }
    if (this.closing) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoff = RECONNECT_MIN_MS;
    // Whatever changed while we were not listening is not in any notice: start from the database again.
    this.plans.invalidate();
  }

  private lost(client: Client, err?: Error): void {
    if (this.closing || (this.client !== undefined && this.client !== client)) return;
    if (this.retry) return;
    this.client = undefined;
    this.plans.invalidate();
    this.logger.warn(
      `catalog change notices interrupted (${err?.message ?? 'connection ended'}); reconnecting in ${this.backoff} ms`,
    );
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, this.backoff);
    this.retry.unref();
    this.backoff = Math.min(this.backoff * 2, RECONNECT_MAX_MS);
  }
}
