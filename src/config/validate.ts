import { loadAppConfig } from './app.config';
import { loadAuthConfig } from './auth.config';
import { loadDatabaseConfig } from './database.config';
import { loadDemoConfig } from './demo.config';
import { checkAll, ConfigError } from './env';
import { loadOutboundConfig } from './outbound.config';
import { loadStripeConfig } from './stripe.config';
import { loadMetricsConfig } from './metrics.config';
import { loadShutdownConfig } from './shutdown.config';
import { loadRetentionConfig } from './retention.config';
import { loadMeterReportsConfig } from './meter-reports.config';

/** Validates every variable up front; bad ones stop startup with one line each, all reported together. */
export function validateEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  try {
    checkAll([
      () => loadAppConfig(env),
      () => loadAuthConfig(env),
      () => loadDatabaseConfig(env),
      () => loadStripeConfig(env),
      () => loadOutboundConfig(env),
      () => loadDemoConfig(env),
      () => loadMetricsConfig(env),
      () => loadShutdownConfig(env),
      () => loadRetentionConfig(env),
      () => loadMeterReportsConfig(env),
    ]);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
