import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import type { DatabaseConfig } from '../../config/database.config';

const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

/**
 * One dedicated PostgreSQL connection LISTENing on one channel, for a replica's in-memory cache that other
 * processes' commits must reach (the writers `pg_notify` in their transaction, so the notice leaves at commit).
 * While the connection is down a notice may be missed, so `reset()` runs on every loss and every (re)connect,
 * and the connection comes back with backoff; the cache's own age limit is the last safety net.
 * The embedded database has a single process, whose own writes already invalidate, so nothing listens there.
 */
export abstract class NotificationListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  private client?: Client;
  private retry?: NodeJS.Timeout;
  private backoff = RECONNECT_MIN_MS;
  private closing = false;

  protected constructor(
    protected readonly database: DatabaseConfig,
    private readonly channel: string,
    private readonly what: string,
  ) {
    this.logger = new Logger(new.target.name);
  }

  /** A notice arrived on the channel (payload as sent, '' when none). */
  protected abstract onNotice(payload: string): void;
  /** Notices may have been missed (connection lost, or just (re)established): start from the database again. */
  protected abstract reset(): void;

  async onApplicationBootstrap(): Promise<void> {
    if (this.database.embedded) return;
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  /** True while the LISTEN connection is up (for callers that cache only while told of changes, and tests). */
  get listening(): boolean {
    return this.client !== undefined;
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.database.url,
      connectionTimeoutMillis: this.database.connectTimeoutMs,
      application_name: `tollgate-${this.channel.replace(/^tollgate_/, '')}-listener`,
      keepAlive: true,
    });
    client.on('notification', (n) => this.onNotice(n.payload ?? ''));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
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
    // Whatever changed while we were not listening is not in any notice.
    this.reset();
  }

  private lost(client: Client, err?: Error): void {
    if (this.closing || (this.client !== undefined && this.client !== client)) return;
    if (this.retry) return;
    this.client = undefined;
    this.reset();
    this.logger.warn(
      `${this.what} notices interrupted (${err?.message ?? 'connection ended'}); reconnecting in ${this.backoff} ms`,
    );
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, this.backoff);
    this.retry.unref();
    this.backoff = Math.min(this.backoff * 2, RECONNECT_MAX_MS);
  }
}
