import { ConfigType, registerAs } from '@nestjs/config';
import { bool, ConfigError, isProduction, str } from './env';

export function loadMetricsConfig(env: NodeJS.ProcessEnv = process.env) {
  const token = str(env, 'METRICS_TOKEN');
  if (token !== undefined && token.length < 16) {
    throw new ConfigError('METRICS_TOKEN', 'must be at least 16 characters');
  }
  return {
    /**
     * GET /metrics (Prometheus text format). With METRICS_TOKEN it needs `Authorization: Bearer <token>`;
     * without one it is open outside production and off (404) in production; METRICS_ENABLED=false turns it off.
     */
    enabled: bool(env, 'METRICS_ENABLED', token !== undefined || !isProduction(env)),
    /** Sensitive: compared in constant time, never logged. */
    token,
  };
}

export const metricsConfig = registerAs('metrics', () => loadMetricsConfig());
export type MetricsConfig = ConfigType<typeof metricsConfig>;
