import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type {} from '@fastify/static'; // reply.sendFile's types
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { demoConfig, DemoConfig } from '../config/demo.config';

/** The demo's page routes: each serves index.html, which reads location.pathname (checkout returns here). */
export const DEMO_PAGES = [
  '/demo',
  '/demo/payments/success',
  '/demo/payments/cancel',
  '/demo/payments/confirm',
  '/demo/payments/payment-method',
  '/demo/account',
];

/** The static folder (repo-root `demo/`), from src/demo (ts-node, jest) or dist/src/demo (build). */
export function demoAssetsRoot(): string | undefined {
  return [resolve(__dirname, '../../demo'), resolve(__dirname, '../../../demo')].find((dir) =>
    existsSync(join(dir, 'index.html')),
  );
}

/**
 * Serves the demo web app (plain HTML + one ES module) at /demo when DEMO_ENABLED (default: on outside
 * production). Plain Fastify routes: no Nest guard sees them, the page authenticates its own API calls.
 */
export function setupDemo(app: NestFastifyApplication): void {
  const config = app.get<DemoConfig>(demoConfig.KEY);
  const root = demoAssetsRoot();
  if (!config.enabled || !root) return;
  app.useStaticAssets({ root, prefix: '/demo/assets/', decorateReply: true, index: false });
  const fastify = app.getHttpAdapter().getInstance();
  for (const url of DEMO_PAGES) {
    fastify.get(url, (_req, reply: FastifyReply) =>
      reply.header('Cache-Control', 'no-store').type('text/html; charset=utf-8').sendFile('index.html', root),
    );
  }
}
