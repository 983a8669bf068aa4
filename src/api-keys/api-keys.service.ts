import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import type { ApiKeyScope } from '../common/decorators';
import { AppError, ErrorCode } from '../common/errors';
import { ApiKey } from './api-key.entity';
import type { ApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';
import { NOTIFY_API_KEY_REVOKED_SQL, VerifiedApiKeyCache } from './verified-api-key-cache';
import type { ApiKeyCaller } from './api-key-caller';

export const API_KEY_PREFIX = 'tg_';
/** tg_ + 43 base64url characters (256 random bits). */
export const API_KEY_SHAPE = /^tg_[A-Za-z0-9_-]{43}$/;
/** last_used_at is written at most this often per key, so a busy key does not write on every request. */
const TOUCH_INTERVAL_MS = 60_000;

/** The key a request authenticated with (set on the request by the auth guard). */
export type { ApiKeyCaller };

const sha256 = (secret: string): Buffer => createHash('sha256').update(secret).digest();

/** Owner of api_keys: create (secret shown once), list, revoke, and authenticate a presented secret. */
@Injectable()
export class ApiKeysService {
  private readonly touched = new Map<string, number>();

  private readonly logger = new Logger('ApiKeys');

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    private readonly verified: VerifiedApiKeyCache,
  ) {}

  async create(name: string, scopes: ApiKeyScope[], createdBy: string): Promise<CreatedApiKeyDto> {
    const secret = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const saved = await this.keys.save(
      this.keys.create({
        name,
        scopes: [...new Set(scopes)],
        prefix: secret.slice(0, 11),
        keyHash: sha256(secret).toString('hex'),
        createdBy,
      }),
    );
    const row = await this.keys.findOneByOrFail({ id: saved.id });
    return { ...present(row), secret };
  }

  async list(): Promise<{ api_keys: ApiKeyDto[] }> {
    const rows = await this.keys.find({ order: { createdAt: 'DESC' } });
    return { api_keys: rows.map(present) };
  }

  /**
   * Revoking twice is a no-op that answers the same key. The revocation notifies every replica at commit (their
   * verified-key caches drop it) and this one drops it at once.
   */
  async revoke(id: string): Promise<ApiKeyDto> {
    await this.keys.manager.transaction(async (manager) => {
      const done = await manager.update(ApiKey, { id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
      if (done.affected) await manager.query(NOTIFY_API_KEY_REVOKED_SQL, [id]);
    });
    this.verified.forget(id);
    const row = await this.keys.findOneBy({ id });
    if (!row) throw new AppError(ErrorCode.ApiKeyNotFound);
    return present(row);
  }

  /**
   * Looks the key up by its hash (an index probe: the secret itself never reaches the database) and compares
   * the stored hash in constant time. Unknown, malformed and revoked keys all answer 401 API_KEY_INVALID.
   * A key verified lately is answered from memory (VerifiedApiKeyCache), revocation reaching it at commit.
   */
  async authenticate(secret: string): Promise<ApiKeyCaller> {
    if (!API_KEY_SHAPE.test(secret)) throw new AppError(ErrorCode.ApiKeyInvalid);
    const presented = sha256(secret);
    const hash = presented.toString('hex');
    const known = this.verified.get(hash);
    if (known) {
      this.touch(known.id);
      return known;
    }
    const ticket = this.verified.ticket();
    const row = await this.keys
      .createQueryBuilder('k')
      .select(['k.id', 'k.name', 'k.scopes', 'k.revokedAt'])
      .addSelect('k.keyHash')
      .where('k.keyHash = :hash', { hash })
      .getOne();
    const stored = row ? Buffer.from(row.keyHash, 'hex') : Buffer.alloc(presented.length);
    const equal = stored.length === presented.length && timingSafeEqual(stored, presented);
    if (!row || !equal || row.revokedAt) throw new AppError(ErrorCode.ApiKeyInvalid);
    this.touch(row.id);
    const caller = { id: row.id, name: row.name, scopes: row.scopes };
    this.verified.set(hash, caller, ticket);
    return caller;
  }

  private touch(id: string): void {
    const now = Date.now();
    if ((this.touched.get(id) ?? 0) > now - TOUCH_INTERVAL_MS) return;
    this.touched.set(id, now);
    // Bookkeeping only: a failed write must not fail the request it describes, but it is not hidden either.
    this.keys.update({ id }, { lastUsedAt: () => 'now()' }).catch((err: unknown) => {
      this.touched.delete(id);
      this.logger.warn({ err, api_key_id: id }, 'could not record the API key last use');
    });
  }
}

function present(row: ApiKey): ApiKeyDto {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
  };
}
