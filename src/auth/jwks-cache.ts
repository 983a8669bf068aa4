import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { AppError, ErrorCode } from '../common/errors';

export interface JwksCacheOptions {
  /** Least time between two fetches caused by an unknown `kid` (or retrying a failed fetch). */
  minRefetchMs: number;
  /** A key set older than this is refetched on the next token (the old one kept if that fetch fails). */
  cacheMaxAgeMs: number;
}

/**
 * The identity provider's key set, fetched on demand. A token whose `kid` is not in the set refetches it, at
 * most once per `minRefetchMs` whatever the number of tokens (one fetch in flight, shared), so a rotated key is
 * accepted within that window while a flood of made-up kids costs the IdP one request per window. A kid still
 * unknown after a fetch is the caller's problem (401); a fetch that fails is the IdP's (503 with Retry-After),
 * and so is every token that needs one until the window lets the next attempt through.
 */
export class JwksCache {
  private keys?: JWTVerifyGetKey;
  private fetchedAt = 0;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private lastAttemptFailed = false;
  private inFlight?: Promise<void>;

  constructor(
    private readonly fetchJwks: () => Promise<JSONWebKeySet>,
    private readonly options: JwksCacheOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** A jose key resolver: jwtVerify(token, cache.getKey, …). */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    if (!this.keys) await this.refresh();
    else if (this.now() - this.fetchedAt >= this.options.cacheMaxAgeMs)
      await this.refresh().catch(() => undefined);
    try {
      return await this.keys!(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      await this.refresh();
      return this.keys!(header, token);
    }
  };

  /**
   * Fetches the set unless one was attempted within the window. Inside the window: a failed last attempt is
   * still a 503 (the keys cannot be checked), a successful one means the kid is unknown (the caller's retry of
   * the key lookup throws JWKSNoMatchingKey → 401).
   */
  private refresh(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    const wait = this.attemptedAt + this.options.minRefetchMs - this.now();
    if (wait > 0)
      return this.lastAttemptFailed || !this.keys ? Promise.reject(unavailable(wait)) : Promise.resolve();
    this.attemptedAt = this.now();
    this.inFlight = this.fetchJwks()
      .then((set) => {
        this.keys = createLocalJWKSet(set);
        this.fetchedAt = this.now();
        this.lastAttemptFailed = false;
      })
      .catch((err: unknown) => {
        this.lastAttemptFailed = true;
        throw unavailable(this.options.minRefetchMs, err);
      })
      .finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }
}

/** 503 AUTH_PROVIDER_UNAVAILABLE, Retry-After: the whole seconds until the next fetch may be attempted. */
function unavailable(waitMs: number, cause?: unknown): AppError {
  const error = new AppError(ErrorCode.AuthProviderUnavailable, undefined, undefined, {
    'Retry-After': String(Math.max(1, Math.ceil(waitMs / 1000))),
  });
  if (cause !== undefined) (error as Error & { cause?: unknown }).cause = cause;
  return error;
}
