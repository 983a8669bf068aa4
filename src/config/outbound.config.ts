import { ConfigType, registerAs } from '@nestjs/config';
import { bool, ConfigError, int, isProduction, list } from './env';

/** Svix-like: seconds to hours, about three days in all (71.6 h) after the first attempt. */
export const DEFAULT_RETRY_SCHEDULE_MS = [
  5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000, 72_000_000, 72_000_000,
];

function schedule(env: NodeJS.ProcessEnv): number[] {
  const raw = list(env, 'OUTBOUND_RETRY_SCHEDULE_MS');
  if (raw.length === 0) return DEFAULT_RETRY_SCHEDULE_MS;
  const parsed = raw.map(Number);
  if (parsed.some((n) => !Number.isSafeInteger(n) || n < 0)) {
    throw new ConfigError(
      'OUTBOUND_RETRY_SCHEDULE_MS',
      `must be comma-separated milliseconds, got "${raw.join(',')}"`,
    );
  }
  return parsed;
}

/** Outbound events: the delivery worker, its retry schedule and its safety rules. */
export function loadOutboundConfig(env: NodeJS.ProcessEnv = process.env) {
  return {
    production: isProduction(env),
    workerIntervalMs: int(env, 'OUTBOUND_WORKER_INTERVAL_MS', 1000, 10),
    batchSize: int(env, 'OUTBOUND_BATCH_SIZE', 20, 1, 500),
    /** Delays before the 2nd, 3rd, … attempt; after the last one the delivery is `failed`. */
    retryScheduleMs: schedule(env),
    timeoutMs: int(env, 'OUTBOUND_TIMEOUT_MS', 10_000, 100, 120_000),
    /** A claimed delivery not finished by then (a crashed worker) is claimed again. */
    leaseMs: int(env, 'OUTBOUND_LEASE_MS', 60_000, 1000),
    /** An endpoint is disabled after this many consecutive failures spread over at least OUTBOUND_DISABLE_AFTER_MS. */
    disableAfterFailures: int(env, 'OUTBOUND_DISABLE_AFTER_FAILURES', 15, 1),
    disableAfterMs: int(env, 'OUTBOUND_DISABLE_AFTER_MS', 5 * 86_400_000, 0),
    /** Private, link-local and (in production) loopback addresses are refused unless this is true. */
    allowPrivate: bool(env, 'OUTBOUND_ALLOW_PRIVATE', false),
    /** credits.low fires when a user's total falls from above to at or below this. */
    creditsLowThreshold: int(env, 'OUTBOUND_CREDITS_LOW_THRESHOLD', 10, 0),
    /** Default grace period during which the old secret still signs, after a rotation. */
    rotationGraceSeconds: int(env, 'OUTBOUND_ROTATION_GRACE_SECONDS', 86_400, 0, 30 * 86_400),
  };
}

export const outboundConfig = registerAs('outbound', () => loadOutboundConfig());
export type OutboundConfig = ConfigType<typeof outboundConfig>;
