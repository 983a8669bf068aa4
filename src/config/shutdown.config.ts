import { ConfigType, registerAs } from '@nestjs/config';
import { int, isProduction } from './env';

export function loadShutdownConfig(env: NodeJS.ProcessEnv = process.env) {
  return {
    /**
     * On SIGTERM, readiness answers 503 at once and the server keeps serving this long, so the load balancer
     * (Kubernetes endpoints) stops sending traffic before connections close. 0 outside production.
     */
    delayMs: int(env, 'SHUTDOWN_DELAY_MS', isProduction(env) ? 5000 : 0, 0, 120_000),
    /** After a signal the whole drain (delay, in-flight requests and webhook events, pools) must end within this. */
    timeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 25_000, 1000, 600_000),
  };
}

export const shutdownConfig = registerAs('shutdown', () => loadShutdownConfig());
export type ShutdownConfig = ConfigType<typeof shutdownConfig>;
