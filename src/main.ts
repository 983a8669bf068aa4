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

async function bootstrap(): Promise<void> {
  validateEnvironment(); // one clear line and exit 1 on a bad variable, before anything starts
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createHttpAdapter(), {
    bodyParser: false,
    bufferLogs: true,
  });
  setupApp(app);
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
      ? `built-in emulator at ${emulator.instance?.url ?? stripe.apiUrl} (offline: NO REAL MONEY MOVES)`
      : `Stripe ${stripe.mode} mode${stripe.apiUrl ? ` via ${stripe.apiUrl}` : ''}`;
  process.stdout.write(
    [
      '',
      `  Tollgate ${config.version} listening on ${base}`,
      `  Swagger UI  ${base}/docs   (OpenAPI JSON ${base}/docs-json)`,
      ...(app.get<DemoConfig>(demoConfig.KEY).enabled ? [`  Demo page   ${base}/demo`] : []),
      `  Database    ${db.description}`,
      `  Stripe      ${stripeLine}`,
      '',
    ].join('\n') + '\n',
  );
}

void bootstrap();
