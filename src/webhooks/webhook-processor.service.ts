import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import { rows, touched } from '../common/db/sql';
import { stripeConfig, StripeConfig } from '../config/stripe.config';
import { StripeEventContext, stripeEventName } from './stripe-event-context';
import { TollgateMetrics } from '../metrics/metrics.service';
import { isStripeObjectMissing } from './stripe-object-missing.error';

interface ClaimedEvent {
  id: string;
  type: string;
  payload: Stripe.Event;
  attempts: number;
  claim_token: string;
}

export type ProcessOutcome = 'processed' | 'ignored' | 'failed' | 'dead' | 'not_due';

class LeaseLostError extends Error {
  constructor(id: string) {
    super(`webhook event ${id}: lease lost before commit; another worker owns it now`);
  }
}

/**
 * Claims due events (a lease: status=processing + claim token, FOR UPDATE SKIP LOCKED so several instances
 * never take the same row), dispatches each through the EventEmitter to its one handler, and records the
 * outcome. A handler's effects and the "processed" mark commit in one transaction (StripeEventContext.commit);
 * a failure rolls the effects back and schedules a retry with exponential backoff, then `dead`.
 */
@Injectable()
export class WebhookProcessor implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly cfg: StripeConfig['webhooks'];

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly emitter: EventEmitter2,
    @Inject(stripeConfig.KEY) config: StripeConfig,
    private readonly metrics: TollgateMetrics,
  ) {
    this.cfg = config.webhooks;
  }

  /** Fire-and-track processing right after an event is stored (the HTTP answer does not wait for it). */
  processSoon(id: string): void {
    this.track(this.processById(id));
  }

  async processById(id: string): Promise<ProcessOutcome> {
    const [claimed] = await this.claim(1, id);
    return claimed ? this.runCounted(claimed) : 'not_due';
  }

  /** One worker tick: claims up to `limit` due events and processes them in order. */
  async processDue(limit = 10): Promise<number> {
    const claimed = await this.claim(limit);
    for (const event of claimed) await this.runCounted(event);
    return claimed.length;
  }

  track(p: Promise<unknown>): void {
    const guarded = p.catch((err: unknown) => this.logger.error({ err }, 'webhook processing crashed'));
    this.inFlight.add(guarded);
    void guarded.finally(() => this.inFlight.delete(guarded));
  }

  /** Waits until nothing is being processed (graceful shutdown; tests). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** Before the database closes (onApplicationShutdown), let in-flight events finish. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  private async claim(limit: number, id?: string): Promise<ClaimedEvent[]> {
    return rows<ClaimedEvent>(
      this.db,
      `WITH claimed AS (
       UPDATE webhook_events e
          SET status = 'processing', claim_token = $1, attempts = e.attempts + 1,
              locked_until = now() + ($2::int * interval '1 millisecond')
        WHERE e.id IN (
          SELECT id FROM webhook_events
           WHERE ((status IN ('pending', 'failed') AND next_attempt_at <= now())
                  OR (status = 'processing' AND locked_until < now()))
             AND ($3::text IS NULL OR id = $3)
           ORDER BY created, received_at
           LIMIT $4
           FOR UPDATE SKIP LOCKED)
      RETURNING e.id, e.type, e.payload, e.attempts, e.claim_token, e.created)
      SELECT id, type, payload, attempts, claim_token FROM claimed ORDER BY created`,
      [randomUUID(), this.cfg.leaseMs, id ?? null, limit],
    );
  }

  private async runCounted(claimed: ClaimedEvent): Promise<ProcessOutcome> {
    const outcome = await this.run(claimed);
    if (outcome !== 'not_due') this.metrics.webhook(outcome);
    return outcome;
  }

  private async run(claimed: ClaimedEvent): Promise<ProcessOutcome> {
    const name = stripeEventName(claimed.type);
    if (this.emitter.listeners(name).length === 0) {
      // Stored and acknowledged, nothing to do: unknown types are not errors.
      try {
        await this.db.transaction((m) => this.finish(m, claimed, 'ignored'));
        return 'ignored';
      } catch (err) {
        return this.fail(claimed, err);
      }
    }
    let committed = false;
    const ctx: StripeEventContext = {
      event: claimed.payload,
      commit: async <R>(work: (m: EntityManager) => Promise<R>): Promise<R> => {
        if (committed) throw new Error(`webhook event ${claimed.id}: commit called twice`);
        committed = true;
        return this.db.transaction(async (m) => {
          const result = await work(m);
          await this.finish(m, claimed, 'processed');
          return result;
        });
      },
    };
    try {
      await this.emitter.emitAsync(name, ctx);
      if (!committed) await this.db.transaction((m) => this.finish(m, claimed, 'processed'));
      this.logger.debug(`processed ${claimed.type} ${claimed.id}`);
      return 'processed';
    } catch (err) {
      return this.fail(claimed, err);
    }
  }

  private async finish(
    m: EntityManager,
    claimed: ClaimedEvent,
    status: 'processed' | 'ignored',
  ): Promise<void> {
    const done = await touched(
      m,
      `UPDATE webhook_events SET status = $3, processed_at = now(), last_error = NULL, locked_until = NULL
        WHERE id = $1 AND claim_token = $2 AND status = 'processing' RETURNING 1`,
      [claimed.id, claimed.claim_token, status],
    );
    if (!done) throw new LeaseLostError(claimed.id);
  }

  private async fail(claimed: ClaimedEvent, err: unknown): Promise<ProcessOutcome> {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const dead = claimed.attempts >= this.cfg.maxAttempts;
    const delay = Math.min(this.cfg.retryBaseMs * 2 ** (claimed.attempts - 1), 3_600_000);
    const line = `webhook ${claimed.type} ${claimed.id} failed (attempt ${claimed.attempts}${dead ? ', now dead' : ''})`;
    if (isStripeObjectMissing(err)) {
      // Not our bug, not an outage: the object may appear (Stripe's consistency) or never will (`dead`).
      this.logger.warn(
        { event_id: claimed.id, type: claimed.type, attempts: claimed.attempts, stripe_object_missing: true },
        `${line}: ${message}`,
      );
    } else {
      this.logger.error({ err, event_id: claimed.id, type: claimed.type, attempts: claimed.attempts }, line);
    }
    await this.db.query(
      `UPDATE webhook_events
          SET status = $3, last_error = $4, locked_until = NULL,
              next_attempt_at = now() + ($5::int * interval '1 millisecond')
        WHERE id = $1 AND claim_token = $2 AND status = 'processing'`,
      [claimed.id, claimed.claim_token, dead ? 'dead' : 'failed', message.slice(0, 2000), delay],
    );
    return dead ? 'dead' : 'failed';
  }
}
