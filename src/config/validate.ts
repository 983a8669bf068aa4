import { loadAppConfig } from './app.config';
import { loadAuthConfig } from './auth.config';
import { loadDatabaseConfig } from './database.config';
import { checkAll, ConfigError } from './env';
import { loadStripeConfig } from './stripe.config';

/** Validates every variable up front; bad ones stop startup with one line each, all reported together. */
export function validateEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  try {
    checkAll([
      () => loadAppConfig(env),
      () => loadAuthConfig(env),
      () => loadDatabaseConfig(env),
      () => loadStripeConfig(env),
    ]);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
