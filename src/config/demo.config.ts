import { ConfigType, registerAs } from '@nestjs/config';
import { bool, ConfigError, isProduction, isTest } from './env';

/** DEMO_ENABLED: the demo web app at /demo; on outside production unless turned off, off in production unless on. */
export function demoEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return bool(env, 'DEMO_ENABLED', !isProduction(env));
}

export function loadDemoConfig(env: NodeJS.ProcessEnv = process.env) {
  const production = isProduction(env);
  /**
   * DEMO_TIME_TRAVEL: new Stripe customers get a test clock, and /dev/time-travel/* moves the caller's own clock
   * (renewal, failed renewal, refund). Emulator only (the routes refuse a real Stripe key); never in production.
   */
  const timeTravel = bool(env, 'DEMO_TIME_TRAVEL', !production && !isTest(env));
  if (timeTravel && production) throw new ConfigError('DEMO_TIME_TRAVEL', 'cannot be enabled in production');
  return { enabled: demoEnabled(env), timeTravel };
}

export const demoConfig = registerAs('demo', () => loadDemoConfig());
export type DemoConfig = ConfigType<typeof demoConfig>;
