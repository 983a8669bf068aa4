import { ConfigType, registerAs } from '@nestjs/config';
import { bool, int } from './env';

/** Stripe retries a delivery for up to 3 days: a done event is kept well beyond that, so dedup never breaks. */
export const MIN_WEBHOOK_EVENTS_DAYS = 7;

/**
 * Retention of the append-only operational tables (never the credit ledger): one job, once across replicas,
 * deletes in bounded batches what is older than its window and finished.
 */
export function loadRetentionConfig(env: NodeJS.ProcessEnv = process.env) {
  return {
    /** The scheduled job; `npm run retention:run` works either way. */
    enabled: bool(env, 'RETENTION_ENABLED', true),
    intervalMinutes: int(env, 'RETENTION_INTERVAL_MINUTES', 60, 1, 7 * 24 * 60),
    /** Rows per DELETE (one short transaction each), so a huge table never holds a long lock. */
    batchSize: int(env, 'RETENTION_BATCH_SIZE', 1000, 1, 100_000),
    /**
     * Processed/ignored Stripe events. 30 days: Stripe itself lists events for 30 days, so anything
     * `stripe:replay` or Stripe can send again is still deduplicated. Pending, failed and dead are never pruned.
     */
    webhookEventsDays: int(env, 'RETENTION_WEBHOOK_EVENTS_DAYS', 30, MIN_WEBHOOK_EVENTS_DAYS, 3650),
    /** The Idempotency-Key window of POST /credits/consume: a key older than this is a new request. */
    consumeRequestsDays: int(env, 'RETENTION_CONSUME_REQUESTS_DAYS', 7, 1, 3650),
    /** Outbound events whose deliveries all ended (succeeded or failed); also how far back a replay reaches. */
    outboundDays: int(env, 'RETENTION_OUTBOUND_DAYS', 30, 1, 3650),
  };
}

export const retentionConfig = registerAs('retention', () => loadRetentionConfig());
export type RetentionConfig = ConfigType<typeof retentionConfig>;
