import { ConfigType, registerAs } from '@nestjs/config';
import { int } from './env';

/** Auto top-up: the worker that turns a crossing into an off-session payment, and when it gives up. */
export function loadSpendConfig(env: NodeJS.ProcessEnv = process.env) {
  return {
    /** How often each replica looks for top-ups to pay (one replica takes each: a leased row). */
    autoTopUpIntervalMs: int(env, 'AUTO_TOP_UP_WORKER_INTERVAL_MS', 1000, 10, 600_000),
    /** Declined payments in a row after which a user's auto top-up is turned off. */
    autoTopUpMaxFailures: int(env, 'AUTO_TOP_UP_MAX_FAILURES', 3, 1, 100),
  };
}

export const spendConfig = registerAs('spend', () => loadSpendConfig());
export type SpendConfig = ConfigType<typeof spendConfig>;
