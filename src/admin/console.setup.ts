import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { authConfig, type AuthConfig } from '../config/auth.config';
import { consoleConfig, type ConsoleConfig } from '../config/console.config';

/**
 * The console's Content-Security-Policy: its own scripts, styles and API only — no inline script or style, no
 * third-party request, no framing, no form posting elsewhere.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS = {
  'Content-Security-Policy': CONSOLE_CSP,
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
};

/** The console's files (repo-root `console/`), from src/admin (ts-node, jest) or dist/src/admin (build). */
export function consoleAssetsRoot(): string | undefined {
  return [resolve(__dirname, '../../console'), resolve(__dirname, '../../../console')].find((dir) =>
    existsSync(join(dir, 'index.html')),
  );
}

/**
 * Serves the operator console (plain HTML + ES modules, no build step) at /console unless CONSOLE_ENABLED=false.
 * Plain Fastify routes: the page is public, every figure and action behind it is an admin API call authorised
 * on the server by role.
 */
export function setupConsole(app: NestFastifyApplication): void {
  const config = app.get<ConsoleConfig>(consoleConfig.KEY);
  const root = consoleAssetsRoot();
  if (!config.enabled || !root) return;
  // The page learns which sign-ins to offer from its own markup (no inline script): the identity provider's
  // (CONSOLE_OIDC_CLIENT_ID with AUTH_ISSUER), and the local form unless AUTH_LOCAL=false.
  const auth = app.get<AuthConfig>(authConfig.KEY);
  const flags = [
    ...(config.oidc !== undefined && auth.external !== undefined ? [' data-oidc="on"'] : []),
    ...(auth.local ? [] : [' data-local="off"']),
  ].join('');
  const index = readFileSync(join(root, 'index.html'), 'utf8').replace('<body>', `<body${flags}>`);
  const fastify: FastifyInstance = app.getHttpAdapter().getInstance();
  void fastify.register(fastifyStatic, {
    root,
    prefix: '/console/assets/',
    decorateReply: false,
    index: false,
    allowedPath: (path) => /^\/[a-z-]+\.(js|css)$/.test(path),
    setHeaders: (res) => {
      void res.headers(HEADERS).header('Cache-Control', 'no-cache');
    },
  });
  // One route: the server ignores a trailing slash, so /console/ is served too.
  fastify.get('/console', (_req, reply: FastifyReply) =>
    reply.headers(HEADERS).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(index),
  );
}
