import './node-version-check';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { createHttpAdapter, setupApp } from './app.setup';
import { validateEnvironment } from './config/validate';
import { RESOLVED_DATABASE } from './database/database.module';
import type { ResolvedDatabase } from './database/typeorm-options';
import { StripeEmulatorHost } from './stripe/stripe-emulator.host';
import { appConfig, AppConfig, demoConfig, DemoConfig, stripeConfig, StripeConfig } from './config';
import { loadDatabaseConfig } from './config/database.config';
import { hostPort } from './database/typeorm-options';
import { describeStartupError } from './common/startup-error';
import { assertPortFree } from './common/port-check';
import { loadAppConfig } from './config/app.config';
import { Logger } from '@nestjs/common';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

async function bootstrap(): Promise<void> {
  validateEnvironment(); // one clear line and exit 1 on a bad variable, before anything starts
  const wanted = loadAppConfig();
  await assertPortFree(wanted.port, wanted.host); // a busy port is one line, before the database is touched
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createHttpAdapter(), {
    bodyParser: false,
    bufferLogs: true,
    // A failed start is reported by fail() below as one line, not aborted with Nest's buffered stack traces.
    abortOnError: false,
    autoFlushLogs: false,
  });
  setupApp(app);
  app.flushLogs(); // the buffered boot lines, now through pino
  const config = app.get<AppConfig>(appConfig.KEY);
  await app.listen(config.port, config.host);

  // The bound port, which differs from PORT when PORT=0 asks for any free one.
  const port = (app.getHttpServer().address() as { port: number } | null)?.port ?? config.port;
  const base = `http://localhost:${port}`;
  const emulator = app.get(StripeEmulatorHost);
  emulator.attachWebhook(`http://127.0.0.1:${port}`);
  const stripe = app.get<StripeConfig>(stripeConfig.KEY);
  const db = app.get<ResolvedDatabase>(RESOLVED_DATABASE);
  const stripeLine =
    stripe.mode === 'emulator'
      ? `built-in emulator at ${emulator.instance?.url ?? stripe.apiUrl}${emulator.busyPort ? ` (port ${emulator.busyPort} was busy)` : ''} (offline: NO REAL MONEY MOVES)`
      : `Stripe ${stripe.mode} mode${stripe.apiUrl ? ` via ${stripe.apiUrl}` : ''}`;
  if (config.production) {
    // Production logs are JSON lines (one per event, for the log pipeline): so is the banner.
    new Logger('Tollgate').log(
      {
        version: config.version,
        host: config.host,
        port,
        docs: config.docsEnabled ? '/docs' : null,
        database: db.description,
        stripe: stripe.mode,
      },
      `Tollgate ${config.version} listening on ${config.host}:${port}`,
    );
    return;
  }
  process.stdout.write(
    [
      '',
      `  Tollgate ${config.version} listening on ${base}${LOOPBACK.has(config.host) ? '' : ` (bound to ${config.host})`}`,
      ...(config.docsEnabled ? [`  Swagger UI  ${base}/docs   (OpenAPI JSON ${base}/docs-json)`] : []),
      ...(app.get<DemoConfig>(demoConfig.KEY).enabled ? [`  Demo page   ${base}/demo`] : []),
      `  Database    ${db.description}`,
      `  Stripe      ${stripeLine}`,
      '',
    ].join('\n') + '\n',
  );
}

/** One line naming what to fix, exit 1; the stack only with LOG_LEVEL=debug|trace. */
function fail(err: unknown): never {
  const db = loadDatabaseConfig();
  const line = describeStartupError(err, {
    database: db.url ? hostPort(db.url) : undefined,
    connectTimeoutMs: db.connectTimeoutMs,
    stripeApiUrl: process.env.STRIPE_API_URL?.trim() || undefined,
    metricsPort: Number(process.env.METRICS_PORT) || undefined,
  });
  process.stderr.write(`tollgate: ${line}\n`);
  if (/^(debug|trace)$/i.test(process.env.LOG_LEVEL ?? '') && err instanceof Error) {
    process.stderr.write(`${err.stack}\n`);
  }
  process.exit(1);
}

bootstrap().catch(fail);
