import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { touched } from '../common/db/sql';
import { AppError, ErrorCode } from '../common/errors';
import { KeyedMutex } from './keyed-mutex';

/**
 * How long a lease lives. It outlasts the slowest checkout creation (a few Stripe calls at 20 s each with two
 * retries in the worst case), so a live holder never loses it; a holder that crashed frees it after this.
 */
export const CHECKOUT_LEASE_TTL_MS = 90_000;
/** How long a second request for the same user waits for the first to finish before 409 CHECKOUT_IN_PROGRESS. */
export const CHECKOUT_LEASE_WAIT_MS = 15_000;

/**
 * One checkout creation per user at a time, across every replica: a row in `checkout_leases` with an expiry.
 * Within one process requests for the same user queue on a mutex first, so only requests on different
 * replicas ever wait on the database (a short, backed-off retry of one statement). No transaction or
 * connection is held while the holder talks to Stripe.
 */
@Injectable()
export class CheckoutLeases {
  private readonly logger = new Logger('CheckoutLeases');
  private readonly local = new KeyedMutex();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  run<T>(userId: string, task: () => Promise<T>): Promise<T> {
    return this.local.run(userId, async () => {
      const token = randomUUID();
      await this.acquire(userId, token);
      try {
        return await task();
      } finally {
        await this.release(userId, token);
      }
    });
  }

  private async acquire(userId: string, token: string): Promise<void> {
    const deadline = Date.now() + CHECKOUT_LEASE_WAIT_MS;
    for (let backoff = 10; ; backoff = Math.min(backoff * 2, 250)) {
      // Taken when there is no lease or the current one has expired; otherwise no row comes back.
      const taken = await touched(
        this.db,
        `INSERT INTO checkout_leases (user_id, token, expires_at)
         VALUES ($1, $2, now() + make_interval(secs => $3::double precision / 1000))
         ON CONFLICT (user_id) DO UPDATE SET token = EXCLUDED.token, expires_at = EXCLUDED.expires_at
           WHERE checkout_leases.expires_at <= now()
         RETURNING token`,
        [userId, token, CHECKOUT_LEASE_TTL_MS],
      );
      if (taken) return;
      if (Date.now() + backoff > deadline)
        throw new AppError(ErrorCode.CheckoutInProgress, undefined, undefined, { 'Retry-After': '2' });
      await delay(backoff);
    }
  }

  /** Only our own lease is removed; if this fails (database gone), the lease expires by itself. */
  private async release(userId: string, token: string): Promise<void> {
    try {
      await this.db.query(`DELETE FROM checkout_leases WHERE user_id = $1 AND token = $2`, [userId, token]);
    } catch (err) {
      this.logger.warn(
        `could not release the checkout lease of user ${userId}; it expires in ${CHECKOUT_LEASE_TTL_MS / 1000} s: ${(err as Error).message}`,
      );
    }
  }
}
