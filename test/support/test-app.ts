import type { INestApplicationContext } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { createHttpAdapter, setupApp } from '../../src/app.setup';
import { StripeEmulatorHost } from '../../src/stripe/stripe-emulator.host';
import type { StripeEmulator } from '../../src/stripe-emulator';
import { useEmbeddedTemplate } from '../../src/common/db/embedded-seed';
import { embeddedTemplate } from './embedded-template';
import { createScratchDatabase, realDatabaseUrl } from './test-database';

export interface TestApp {
  app: NestFastifyApplication;
  url: string;
  dataSource: DataSource;
  emulator: StripeEmulator;
  http: () => ReturnType<typeof request>;
  close: () => Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  /** Reuse an existing database (several instances on one PostgreSQL); skips creating a scratch one. */
  databaseUrl?: string;
  /** Embedded PGlite even in the PostgreSQL pass (DATABASE_URL is hidden from this app's boot). */
  embedded?: boolean;
  /** Provider overrides on the testing module (the bench swaps in its baseline auth guard). */
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  /** Listen on this port (default: any free one), for a URL the environment must name before boot. */
  port?: number;
}

/**
 * The environment a test app boots in: test defaults, then the caller's; with DATABASE_URL (CI's PostgreSQL
 * pass) a scratch database of its own. Runs `boot` with it applied and restores process.env afterwards.
 */
async function inTestEnvironment<T>(
  options: TestAppOptions,
  boot: (drop: (() => Promise<void>) | undefined) => Promise<T>,
): Promise<T> {
  const saved = { ...process.env };
  let drop: (() => Promise<void>) | undefined;
  const server = realDatabaseUrl();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    THROTTLE_LIMIT: '100000',
    THROTTLE_AUTH_LIMIT: '100000',
    THROTTLE_CHECKOUT_LIMIT: '100000',
    THROTTLE_API_KEY_LIMIT: '100000',
    ADMIN_EMAILS: 'admin@tollgate.test',
    WEBHOOK_WORKER_INTERVAL_MS: '100',
    WEBHOOK_RETRY_BASE_MS: '100',
    ...options.env,
  };
  // With REDIS_URL (CI's PostgreSQL pass), each test app counts in its own namespace unless a test shares one.
  if (process.env.REDIS_URL && !env.THROTTLE_REDIS_PREFIX) {
    env.THROTTLE_REDIS_PREFIX = `test:${Date.now().toString(36)}:${Math.random().toString(36).slice(2)}:`;
  }
  const embedded = options.embedded || (!options.databaseUrl && !server);
  // An embedded database starts from the suite's migrated template (no initdb, no migrations per app).
  useEmbeddedTemplate(embedded ? await embeddedTemplate() : undefined);
  if (options.embedded) {
    delete process.env.DATABASE_URL;
  } else if (options.databaseUrl) {
    env.DATABASE_URL = options.databaseUrl;
  } else if (server) {
    const scratch = await createScratchDatabase(server);
    drop = scratch.drop;
    env.DATABASE_URL = scratch.url;
    env.DB_MIGRATE_ON_START = 'true';
  }
  Object.assign(process.env, env);
  try {
    return await boot(drop);
  } finally {
    if (saved.DATABASE_URL !== undefined) process.env.DATABASE_URL = saved.DATABASE_URL;
    for (const key of Object.keys(env)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
}

/** Boots the real app (AppModule + setupApp, exactly as main.ts) on a random loopback port. */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  return inTestEnvironment(options, async (drop) => {
    const builder = Test.createTestingModule({ imports: [AppModule] });
    const moduleRef = await (options.override?.(builder) ?? builder).compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(), {
      bodyParser: false,
    });
    setupApp(app);
    await app.listen(options.port ?? 0, '127.0.0.1');
    const address = app.getHttpServer().address() as { port: number };
    const url = `http://127.0.0.1:${address.port}`;
    const host = app.get(StripeEmulatorHost);
    host.attachWebhook(url);
    return {
      app,
      url,
      dataSource: app.get(DataSource),
      emulator: host.instance!,
      http: () => request(url),
      close: async () => {
        await app.close();
        await drop?.();
      },
    };
  });
}

export interface ServiceContext {
  /** Any provider of the real app (services, the Stripe client, the DataSource). */
  get: INestApplicationContext['get'];
  dataSource: DataSource;
  emulator: StripeEmulator;
  close: () => Promise<void>;
}

/**
 * The service tier: the real AppModule on the real database (PGlite, or a scratch PostgreSQL database with
 * DATABASE_URL) and the in-process Stripe emulator, without HTTP and without the retry worker's timer (a
 * spec drives the webhook processor itself). No webhook endpoint is attached: nothing is delivered unasked.
 */
export async function createServiceContext(options: TestAppOptions = {}): Promise<ServiceContext> {
  return inTestEnvironment(
    { ...options, env: { WEBHOOK_WORKER_INTERVAL_MS: '600000', ...options.env } },
    async (drop) => {
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
      const app = await moduleRef.init();
      const get: INestApplicationContext['get'] = app.get.bind(app);
      return {
        get,
        dataSource: app.get(DataSource),
        emulator: app.get(StripeEmulatorHost).instance!,
        close: async () => {
          await app.close();
          await drop?.();
        },
      };
    },
  );
}

/** Polls `probe` until it returns a truthy value or the deadline passes (no fixed sleeps in tests). */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  what: string,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A loopback port free right now (for an app whose own URL goes in its environment, see `port`). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
