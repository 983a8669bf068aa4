import type { DataSource } from 'typeorm';
import type { RetentionConfig } from '../config/retention.config';
import { ADVISORY_LOCK, tryWithAdvisoryLock } from '../common/db/advisory-lock';
import type { RetentionTarget } from '../common/db/retention-target';
import { CONSUME_REQUESTS_RETENTION } from '../credits/consume.service';
import {
  OUTBOUND_DELIVERIES_RETENTION,
  OUTBOUND_EVENTS_RETENTION,
} from '../outbound/outbound-events.service';
import { WEBHOOK_EVENTS_RETENTION } from '../webhooks/webhook-inbox.service';

const DAY_MS = 86_400_000;

/** Each owner's rule with its window, in the order they run (an outbound event's deliveries before it). */
export function retentionPlan(
  config: RetentionConfig,
  now: Date = new Date(),
): Array<{ target: RetentionTarget; before: Date }> {
  const ago = (days: number) => new Date(now.getTime() - days * DAY_MS);
  return [
    { target: WEBHOOK_EVENTS_RETENTION, before: ago(config.webhookEventsDays) },
    { target: CONSUME_REQUESTS_RETENTION, before: ago(config.consumeRequestsDays) },
    { target: OUTBOUND_DELIVERIES_RETENTION, before: ago(config.outboundDays) },
    { target: OUTBOUND_EVENTS_RETENTION, before: ago(config.outboundDays) },
  ];
}

export interface RetentionReport {
  /** `skipped`: another instance held the retention lock, so this one did nothing. */
  outcome: 'ran' | 'skipped' | 'dry_run';
  /** Rows deleted per table (a dry run: rows that would be). */
  tables: Array<{ table: string; before: string; rows: number }>;
}

export interface RetentionRunOptions {
  embedded: boolean;
  /** Count what would go, delete nothing (and take no lock). */
  dryRun?: boolean;
  now?: Date;
  /** Called after each committed batch (metrics). */
  onBatch?: (table: string, rows: number) => void;
  /** Checked between batches: a shutting-down instance stops at the next boundary. */
  stopped?: () => boolean;
}

/**
 * One retention run: every table's finished rows older than its window, deleted in batches of
 * `config.batchSize` (each DELETE its own short transaction). Once across replicas: it holds the retention
 * advisory lock while it runs, and an instance that finds it taken skips this turn. The ledger is never here.
 */
export async function runRetention(
  ds: DataSource,
  config: RetentionConfig,
  options: RetentionRunOptions,
): Promise<RetentionReport> {
  const plan = retentionPlan(config, options.now);
  if (options.dryRun) {
    const tables = [];
    for (const { target, before } of plan)
      tables.push({
        table: target.table,
        before: before.toISOString(),
        rows: await target.count(ds, before),
      });
    return { outcome: 'dry_run', tables };
  }
  const held = await tryWithAdvisoryLock(ds, ADVISORY_LOCK.retention, options.embedded, async () => {
    const tables = [];
    for (const { target, before } of plan) {
      let rows = 0;
      for (;;) {
        if (options.stopped?.()) break;
        const deleted = await target.pruneBatch(ds, before, config.batchSize);
        rows += deleted;
        if (deleted > 0) options.onBatch?.(target.table, deleted);
        if (deleted < config.batchSize) break;
      }
      tables.push({ table: target.table, before: before.toISOString(), rows });
    }
    return tables;
  });
  return held.acquired ? { outcome: 'ran', tables: held.value } : { outcome: 'skipped', tables: [] };
}

/** `pruned 3 webhook_events, 0 consume_requests, …` */
export const describeReport = (report: RetentionReport): string =>
  report.tables.map((t) => `${t.rows} ${t.table}`).join(', ');
