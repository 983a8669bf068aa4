import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type Stripe from 'stripe';
import { loadDatabaseConfig } from '../config/database.config';
import { loadStripeConfig } from '../config/stripe.config';
import { validateEnvironment } from '../config/validate';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { WebhookInboxService, type WebhookEventStatus } from '../webhooks/webhook-inbox.service';
import { WebhookProcessor } from '../webhooks/webhook-processor.service';
import { runCli } from './cli-data-source';

/**
 * The real application (same modules, processor and handlers) without an HTTP server, for the Stripe CLIs.
 * They act on a running deployment's state, so both must be shared: a real database (DATABASE_URL; embedded
 * PGlite cannot be opened by two processes) and a real Stripe account (STRIPE_SECRET_KEY) or a running
 * emulator (STRIPE_API_URL). The in-process emulator would start empty and know nothing.
 */
export async function bootCliApp(): Promise<INestApplicationContext> {
  validateEnvironment();
  const stripe = loadStripeConfig();
  if (stripe.emulator && !stripe.apiUrl) {
    throw new Error(
      'No Stripe to talk to: set STRIPE_SECRET_KEY (with WEBHOOK_SECRET), or STRIPE_API_URL=<url of a running emulator>.',
    );
  }
  if (loadDatabaseConfig().embedded) {
    throw new Error(
      "DATABASE_URL is required: the embedded database belongs to the running server's process.",
    );
  }
  const { AppModule } = await import('../app.module');
  return NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
}

/** Stripe keeps events for 30 days: a longer window would silently miss the oldest ones. */
export const MAX_REPLAY_SECONDS = 30 * 86_400;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3_600, d: 86_400 };

/** `30m`, `2h`, `3d` (also `45s`) → seconds; at most 30 days. */
export function parseDuration(text: string | undefined): number {
  const match = /^(\d+)\s*([smhd])$/.exec(text?.trim() ?? '');
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
 * Fetches the window's events from Stripe and feeds each one, oldest first, through the webhook pipeline:
 * the inbox insert (ON CONFLICT DO NOTHING: an event we already have is a duplicate and skipped) and the
 * same processor and handlers a delivery goes through. Running it twice changes nothing the second time.
 */
export async function replayEvents(
  app: INestApplicationContext,
  opts: ReplayOptions,
): Promise<ReplaySummary> {
  const stripe = app.get<Stripe>(STRIPE_CLIENT);
  const inbox = app.get(WebhookInboxService);
  const processor = app.get(WebhookProcessor);
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
  for await (const event of stripe.events.list(params)) newestFirst.push(event);
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
    if (!(await inbox.record(event))) {
      summary.duplicates += 1;
      continue;
    }
    summary.new += 1;
    let outcome: string = await processor.processById(event.id);
    if (outcome === 'not_due') outcome = await settled(app, event.id, opts.settleTimeoutMs ?? 60_000);
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
async function settled(app: INestApplicationContext, id: string, timeoutMs: number): Promise<string> {
  const inbox = app.get(WebhookInboxService);
  await app.get(WebhookProcessor).drain();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await inbox.get(id))?.status;
    if (status && TERMINAL.includes(status)) return status;
    if (Date.now() > deadline) return status ?? 'missing';
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export function formatReplaySummary(s: ReplaySummary): string {
  const lines = [
    `fetched ${s.fetched}, new ${s.new}, duplicates ${s.duplicates}, processed ${s.processed}, failed ${s.failed}`,
  ];
  if (s.failedIds.length > 0) {
    lines.push(`failed events (see GET /admin/webhook-events?status=failed): ${s.failedIds.join(', ')}`);
  }
  return lines.join('\n');
}

/** npm run stripe:replay -- --since <30m|2h|3d> [--undelivered-only] */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { since: { type: 'string' }, 'undelivered-only': { type: 'boolean', default: false } },
    strict: true,
  });
  const sinceSeconds = parseDuration(values.since);
  const app = await bootCliApp();
  try {
    const summary = await replayEvents(app, {
      sinceSeconds,
      undeliveredOnly: values['undelivered-only'],
    });
    process.stdout.write(`${formatReplaySummary(summary)}\n`);
    return summary.failed > 0 ? 1 : 0;
  } finally {
    await app.close();
  }
}

if (require.main === module) runCli(() => main());
