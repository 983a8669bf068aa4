import { Inject, Injectable } from '@nestjs/common';
import { databaseConfig, DatabaseConfig } from '../config/database.config';
import { NotificationListener } from '../common/db/notification-listener';
import type { ApiKeyCaller } from './api-key-caller';

/** The channel a revocation notifies in its transaction; the payload is the revoked key's id. */
export const API_KEY_CHANNEL = 'tollgate_api_keys';
export const NOTIFY_API_KEY_REVOKED_SQL = `SELECT pg_notify('${API_KEY_CHANNEL}', $1)`;
/** At most this many verified keys are kept (the oldest verified first out). */
export const API_KEY_CACHE_SIZE = 10_000;
/** A verified key is trusted from memory at most this long: the backstop if a revocation notice is missed. */
export const API_KEY_CACHE_TTL_MS = 30_000;

interface Entry {
  caller: ApiKeyCaller;
  until: number;
}

/**
 * Verified API keys by the SHA-256 of their secret, so a known key costs no query. Revocation reaches every
 * replica at commit: the revoking transaction notifies `tollgate_api_keys` with the key's id and each replica
 * drops it. On PostgreSQL the cache answers only while its LISTEN connection is up (a lost connection empties
 * it and every request reads the database until it is back); a notice lost on a silently dead connection is
 * bounded by API_KEY_CACHE_TTL_MS. The embedded database is one process: the revoking call drops the key itself.
 */
@Injectable()
export class VerifiedApiKeyCache extends NotificationListener {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every drop, so a lookup that raced a revocation does not store what it read before it. */
  private generation = 0;

  constructor(@Inject(databaseConfig.KEY) database: DatabaseConfig) {
    super(database, API_KEY_CHANNEL, 'API key revocation');
  }

  get(hash: string): ApiKeyCaller | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (entry.until <= Date.now() || !this.trusted()) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry.caller;
  }

  /** Taken before reading the database; `set` stores only if nothing was dropped since. */
  ticket(): number {
    return this.generation;
  }

  set(hash: string, caller: ApiKeyCaller, ticket: number): void {
    if (ticket !== this.generation || !this.trusted()) return;
    this.entries.delete(hash);
    this.entries.set(hash, { caller, until: Date.now() + API_KEY_CACHE_TTL_MS });
    if (this.entries.size > API_KEY_CACHE_SIZE) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Drops a revoked key (by id: the secret's hash is not sent around). */
  forget(id: string): void {
    this.generation++;
    for (const [hash, entry] of this.entries) if (entry.caller.id === id) this.entries.delete(hash);
  }

  protected onNotice(id: string): void {
    this.forget(id);
  }

  protected reset(): void {
    this.generation++;
    this.entries.clear();
  }

  private trusted(): boolean {
    return this.database.embedded || this.listening;
  }
}
