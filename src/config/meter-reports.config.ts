import { ConfigType, registerAs } from '@nestjs/config';
import { bool, int } from './env';

/** The meter report worker: overage usage (credit_meter_reports) sent to Stripe's billing meters. */
export function loadMeterReportsConfig(env: NodeJS.ProcessEnv = process.env) {
  return {
    /** The scheduled worker on this instance (the period-close check on invoice.created runs either way). */
    enabled: bool(env, 'METER_REPORTS_ENABLED', true),
    intervalMs: int(env, 'METER_REPORTS_INTERVAL_MS', 5000, 100, 3_600_000),
    /** Reports claimed per batch (a run claims batches until none is due or MAX_BATCHES were sent). */
    batchSize: int(env, 'METER_REPORTS_BATCH_SIZE', 50, 1, 1000),
    maxBatches: int(env, 'METER_REPORTS_MAX_BATCHES', 20, 1, 10_000),
    /** (customer, event name) pairs sent at once; each pair's reports go one after the other (Stripe's rule). */
    concurrency: int(env, 'METER_REPORTS_CONCURRENCY', 4, 1, 50),
    /** After this many failed attempts a report is `dead` (an operator retries it). */
    maxAttempts: int(env, 'METER_REPORTS_MAX_ATTEMPTS', 10, 1, 1000),
    /** Backoff after a failed attempt: base · 2^(attempt−1), capped, with jitter (half to all of it). */
    retryBaseMs: int(env, 'METER_REPORTS_RETRY_BASE_MS', 10_000, 0),
    retryMaxMs: int(env, 'METER_REPORTS_RETRY_MAX_MS', 3_600_000, 0),
    /** A claimed report not finished by then (a crashed worker) is claimed again. */
    leaseMs: int(env, 'METER_REPORTS_LEASE_MS', 60_000, 1000),
    /** How long the period close on invoice.created may spend sending the period's reports before it compares. */
    closeFlushMs: int(env, 'METER_REPORTS_CLOSE_FLUSH_MS', 20_000, 100, 600_000),
  };
}

export const meterReportsConfig = registerAs('meterReports', () => loadMeterReportsConfig());
export type MeterReportsConfig = ConfigType<typeof meterReportsConfig>;
