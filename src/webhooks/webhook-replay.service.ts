import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { WebhookInboxService, type WebhookEventStatus } from './webhook-inbox.service';
import { WebhookProcessor } from './webhook-processor.service';

/** Stripe keeps events for 30 days: a longer window would silently miss the oldest ones. */
export const MAX_REPLAY_SECONDS = 30 * 86_400;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };
export const DURATION_PATTERN = /^(\d+)\s*([smhd])$/;

/** `30m`, `2h`, `3d` (also `45s`) → seconds; at most 30 days. */
export function parseDuration(text: string | undefined): number {
  const match = DURATION_PATTERN.exec(text?.trim() ?? '');
  if (!match) throw new Error(`--since must look like 30m, 2h or 3d (got ${JSON.stringify(text ?? '')})`);
  const seconds = Number(match[1]) * UNITS[match[2]];
  if (seconds <= 0) throw new Error('--since must be longer than zero');
  if (seconds > MAX_REPLAY_SECONDS)
    throw new Error('--since may be at most 30d (Stripe keeps events 30 days)');
  return seconds;
}

export interface ReplayOptions {
  /** The window: events created in the last `sinceSeconds`. */
  sinceSeconds: number;
  /** Only events Stripe reports as not (yet) delivered to every endpoint (`delivery_success: false`). */
  undeliveredOnly?: boolean;
  /** Unix seconds "now" (tests); default the wall clock. */
  now?: number;
  /** How long to wait for an event another worker claimed first. */
  settleTimeoutMs?: number;
}

export interface ReplaySummary {
  fetched: number;
  /** Recorded in the inbox by this run (Stripe had them, we did not). */
  new: number;
  /** Already in the inbox: skipped, whatever their status (the admin retry endpoint re-runs failed ones). */
  duplicates: number;
  /** New events that ended processed (or ignored: a type with no handler). */
  processed: number;
  /** New events that ended failed or dead (visible in /admin/webhook-events). */
  failed: number;
  failedIds: string[];
}

const TERMINAL: WebhookEventStatus[] = ['processed', 'ignored', 'failed', 'dead'];

/**
 * `npm run stripe:replay`: fetches a window's events from Stripe and feeds each one, oldest first, through
 * the webhook pipeline: the inbox insert (an event we already have is a duplicate and skipped) and the same
 * processor and handlers a delivery goes through. Running it twice changes nothing the second time.
 */
@Injectable()
export class WebhookReplayService {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    private readonly inbox: WebhookInboxService,
    private readonly processor: WebhookProcessor,
  ) {}

  async replay(opts: ReplayOptions): Promise<ReplaySummary> {
    if (opts.sinceSeconds <= 0 || opts.sinceSeconds > MAX_REPLAY_SECONDS) {
      throw new Error('the replay window must be between 1 second and 30 days');
    }
    const now = opts.now ?? Math.floor(Date.now() / 1000);
    const params: Stripe.EventListParams = {
      created: { gte: now - opts.sinceSeconds },
      limit: 100,
      ...(opts.undeliveredOnly ? { delivery_success: false } : {}),
    };
    const newestFirst: Stripe.Event[] = [];
    for await (const event of this.stripe.events.list(params)) newestFirst.push(event);
    // Oldest first, like Stripe delivers them; the list's own order breaks ties within one second.
    const events = newestFirst.reverse().sort((a, b) => a.created - b.created);

    const summary: ReplaySummary = {
      fetched: events.length,
      new: 0,
      duplicates: 0,
      processed: 0,
      failed: 0,
      failedIds: [],
    };
    for (const event of events) {
      if (!(await this.inbox.record(event))) {
        summary.duplicates += 1;
        continue;
      }
      summary.new += 1;
      let outcome: string = await this.processor.processById(event.id);
      if (outcome === 'not_due') outcome = await this.settled(event.id, opts.settleTimeoutMs ?? 60_000);
      if (outcome === 'processed' || outcome === 'ignored') {
        summary.processed += 1;
      } else {
        summary.failed += 1;
        summary.failedIds.push(event.id);
      }
    }
    return summary;
  }

  /** Another worker (this process's retry worker, or another instance) claimed the event: wait for its outcome. */
  private async settled(id: string, timeoutMs: number): Promise<string> {
    await this.processor.drain();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = (await this.inbox.get(id))?.status;
      if (status && TERMINAL.includes(status)) return status;
      if (Date.now() > deadline) return status ?? 'missing';
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
