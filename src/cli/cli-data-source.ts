import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { loadDatabaseConfig } from '../config/database.config';
import { loadStripeConfig } from '../config/stripe.config';
import { validateEnvironment } from '../config/validate';
import { buildDataSourceOptions, hostPort } from '../database/typeorm-options';
import { describeStartupError } from '../common/startup-error';

/** A DataSource for command-line tools, built by the same options builder as the app. */
export async function openCliDataSource(): Promise<{
  ds: DataSource;
  close: () => Promise<void>;
  description: string;
  embedded: boolean;
}> {
  const resolved = await buildDataSourceOptions(loadDatabaseConfig());
  const ds = await new DataSource(resolved.options).initialize();
  return {
    ds,
    description: resolved.description,
    embedded: resolved.embedded !== undefined,
    close: async () => {
      await ds.destroy();
      await resolved.embedded?.stop();
    },
  };
}

/** Runs a CLI main, printing one line on failure and exiting non-zero. */
export function runCli(main: () => Promise<number | void>): void {
  main().then(
    (code) => process.exit(code ?? 0),
    (err: unknown) => {
      if (err instanceof CliAdvice) {
        process.stderr.write(`${err.message}\n`); // every line: the advice is the point
        process.exit(1);
      }
      const db = loadDatabaseConfig();
      const line = describeStartupError(err, {
        database: db.url ? hostPort(db.url) : undefined,
        connectTimeoutMs: db.connectTimeoutMs,
      });
      process.stderr.write(`${line.replace(/^Startup failed: /, '')}\n`);
      process.exit(1);
    },
  );
}

/** A refusal whose whole (multi-line) message is what the operator must read: printed as is, not cut to a line. */
export class CliAdvice extends Error {}

/**
 * The embedded setup keeps its database (PGlite) and its Stripe (the built-in emulator) inside the server
 * process, so a second process cannot see them: the running server does the work behind an admin route.
 */
export function embeddedAdvice(command: 'replay' | 'reconcile'): string {
  const [route, body] =
    command === 'replay' ? ['replay', `'{"since":"2h"}'`] : ['reconcile', `'{"fix":false}'`];
  return [
    `stripe:${command} works on a shared database and Stripe (DATABASE_URL, and STRIPE_SECRET_KEY or STRIPE_API_URL).`,
    'On the embedded setup the database and the built-in emulator live inside the server process; ask the server:',
    '  npm start   # if it is not running',
    `  curl -X POST http://localhost:\${PORT:-8000}/admin/stripe/${route} -H "authorization: Bearer $ADMIN_TOKEN" \\`,
    `       -H 'content-type: application/json' -d ${body}`,
    '(ADMIN_TOKEN: log in as an ADMIN_EMAILS user or one promoted with npm run admin:create -- <email>)',
  ].join('\n');
}

/**
 * The real application (same modules, processor and handlers) without an HTTP server, for the Stripe CLIs.
 * They act on a running deployment's state, so both must be shared: a real database (DATABASE_URL; embedded
 * PGlite cannot be opened by two processes) and a real Stripe account (STRIPE_SECRET_KEY) or a running
 * emulator (STRIPE_API_URL). The in-process emulator would start empty and know nothing.
 */
export async function bootCliApp(command: 'replay' | 'reconcile'): Promise<INestApplicationContext> {
  validateEnvironment();
  const stripe = loadStripeConfig();
  if (loadDatabaseConfig().embedded || (stripe.emulator && !stripe.apiUrl)) {
    throw new CliAdvice(embeddedAdvice(command));
  }
  const { AppModule } = await import('../app.module');
  return NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
}
