import { appConfig } from './app.config';
import { authConfig } from './auth.config';
import { databaseConfig } from './database.config';
import { demoConfig } from './demo.config';
import { outboundConfig } from './outbound.config';
import { stripeConfig } from './stripe.config';
import { metricsConfig } from './metrics.config';
import { shutdownConfig } from './shutdown.config';
import { retentionConfig } from './retention.config';
import { creditsConfig } from './credits.config';
import { spendConfig } from './spend.config';
import { consoleConfig } from './console.config';
import { meterReportsConfig } from './meter-reports.config';

export const allConfigs = [
  appConfig,
  authConfig,
  databaseConfig,
  stripeConfig,
  outboundConfig,
  demoConfig,
  metricsConfig,
  shutdownConfig,
  retentionConfig,
  creditsConfig,
  spendConfig,
  consoleConfig,
  meterReportsConfig,
];
export { appConfig, authConfig, databaseConfig, demoConfig, outboundConfig, stripeConfig };
export type { AppConfig } from './app.config';
export type { AuthConfig } from './auth.config';
export type { DatabaseConfig } from './database.config';
export type { DemoConfig } from './demo.config';
export type { OutboundConfig } from './outbound.config';
export type { StripeConfig } from './stripe.config';
export { metricsConfig } from './metrics.config';
export type { MetricsConfig } from './metrics.config';
export { shutdownConfig } from './shutdown.config';
export type { ShutdownConfig } from './shutdown.config';
export { retentionConfig } from './retention.config';
export type { RetentionConfig } from './retention.config';
export { creditsConfig } from './credits.config';
export type { CreditsConfig } from './credits.config';
export { spendConfig } from './spend.config';
export type { SpendConfig } from './spend.config';
export { consoleConfig } from './console.config';
export type { ConsoleConfig } from './console.config';
export { meterReportsConfig } from './meter-reports.config';
export type { MeterReportsConfig } from './meter-reports.config';
