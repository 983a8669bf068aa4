import { ConfigType, registerAs } from '@nestjs/config';
import { bool, ConfigError, int, isProduction, str } from './env';

export function loadMetricsConfig(env: NodeJS.ProcessEnv = process.env) {
  const token = str(env, 'METRICS_TOKEN');
  if (token !== undefined && token.length < 16) {
    throw new ConfigError('METRICS_TOKEN', 'must be at least 16 characters');
  }
  const port = str(env, 'METRICS_PORT') === undefined ? undefined : int(env, 'METRICS_PORT', 0, 0, 65535);
  if (port !== undefined && port !== 0 && port === int(env, 'PORT', 8000, 0, 65535)) {
    throw new ConfigError('METRICS_PORT', `must differ from PORT (${port})`);
  }
  return {
    /**
     * METRICS_PORT: GET /metrics also on this port, on HOST, with no Host check and no token: for Prometheus
     * scraping pods by IP. Keep it off the Service and the internet (a ServiceMonitor or pod annotations reach it).
     * METRICS_ENABLED=false turns it off too.
     */
    port: port !== undefined && bool(env, 'METRICS_ENABLED', true) ? port : undefined,
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
