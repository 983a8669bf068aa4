import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import {
  exponentialBackoff,
  InFlight,
  LeasedJobs,
  nextAttempt,
  type RetryPolicy,
} from '../common/db/leased-jobs';
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

/** The inbox as a leased job queue: due events in Stripe's creation order. */
const INBOX = new LeasedJobs<ClaimedEvent>({
  table: 'webhook_events',
  leased: 'processing',
  waiting: ['pending', 'failed'],
  pick: (due) => `SELECT q.id FROM webhook_events q WHERE ${due} ORDER BY q.created, q.received_at`,
  read: `SELECT id, type, payload, attempts, claim_token FROM claimed ORDER BY created`,
});

/**
 * Claims due events (a lease: status=processing + claim token, FOR UPDATE SKIP LOCKED so several instances
 * never take the same row; see common/db/leased-jobs), dispatches each through the EventEmitter to its one handler, and records the
 * outcome. A handler's effects and the "processed" mark commit in one transaction (StripeEventContext.commit);
 * a failure rolls the effects back and schedules a retry with exponential backoff, then `dead`.
 */
@Injectable()
export class WebhookProcessor implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly inFlight = new InFlight();
  private readonly cfg: StripeConfig['webhooks'];
  private readonly retry: RetryPolicy;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly emitter: EventEmitter2,
    @Inject(stripeConfig.KEY) config: StripeConfig,
    private readonly metrics: TollgateMetrics,
  ) {
    this.cfg = config.webhooks;
    this.retry = exponentialBackoff(this.cfg.maxAttempts, this.cfg.retryBaseMs, 3_600_000);
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
    void this.inFlight
      .track(p)
      .catch((err: unknown) => this.logger.error({ err }, 'webhook processing crashed'));
  }

  /** Waits until nothing is being processed (graceful shutdown; tests). */
  drain(): Promise<void> {
    return this.inFlight.drain();
  }

  /** Before the database closes (onApplicationShutdown), let in-flight events finish. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  private claim(limit: number, id?: string): Promise<ClaimedEvent[]> {
    return INBOX.claim(this.db, { limit, leaseMs: this.cfg.leaseMs }, (bind) =>
      id === undefined ? 'true' : `q.id = ${bind(id)}`,
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
    const done = await INBOX.finish(
      m,
      claimed,
      (bind) => `status = ${bind(status)}, processed_at = now(), last_error = NULL`,
    );
    if (!done) throw new LeaseLostError(claimed.id);
  }

  private async fail(claimed: ClaimedEvent, err: unknown): Promise<ProcessOutcome> {
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const { last: dead, delayMs } = nextAttempt(this.retry, claimed.attempts);
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
    await INBOX.fail(
      this.db,
      claimed,
      { status: dead ? 'dead' : 'failed', delayMs },
      (bind) => `last_error = ${bind(message.slice(0, 2000))}`,
    );
    return dead ? 'dead' : 'failed';
  }
}
