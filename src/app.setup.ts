import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import cors from '@fastify/cors';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger, PinoLogger } from 'nestjs-pino';
import { AppError, ErrorCode } from './common/errors';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter';
import { clientErrorHandler } from './common/client-errors';
import { frameworkErrors } from './common/framework-errors';
import { parseJsonBody } from './common/json-body';
import { finalizeOpenApi } from './common/openapi';
import { requestLogger, requestLogLine } from './common/logging';
import { securityHeaders } from './common/security-headers';
import { createValidationPipe } from './common/validation';
import { appConfig, AppConfig, loadAppConfig } from './config/app.config';
import { setupConsole } from './admin/console.setup';
import { setupDemo } from './demo/demo.setup';
import { HttpMetrics } from './metrics/http-metrics';

export const WEBHOOK_PATH = '/payments/webhook';
/** Stripe's events are far below this; a larger body is refused before it is read to the end. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** What Passport's authenticate and Tollgate's guards write on a request (see setupApp). */
const PASSPORT_REQUEST_FIELDS = [
  'user',
  'apiKey',
  'authInfo',
  'login',
  'logIn',
  'logout',
  'logOut',
  'isAuthenticated',
  'isUnauthenticated',
  '_sessionManager',
] as const;

/**
 * Helmet's headers that protect a JSON API (OWASP REST cheat sheet): nosniff, HSTS, no framing, no referrer,
 * same-origin resource policy. The ones that only concern HTML documents or retired browsers (CSP, COEP,
 * COOP, Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options, X-Permitted-Cross-Domain-Policies,
 * X-XSS-Protection) are left off: each header is work on every response and protects nothing here.
 */
const API_SECURITY_HEADERS = {
  contentSecurityPolicy: false,
  crossOriginEmbedderPolicy: false,
  crossOriginOpenerPolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  xFrameOptions: { action: 'deny' },
} as const;

/**
 * The HTTP adapter main.ts and the e2e tests both create the app with. An incoming X-Request-Id is kept if
 * sane, otherwise a fresh UUID; the body limit is the larger of the API's and the webhook's (each route's own
 * limit is enforced by the JSON parser in setupApp).
 */
export function createHttpAdapter(config: AppConfig = loadAppConfig()): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: Math.max(config.bodyLimitBytes, WEBHOOK_BODY_LIMIT),
    // `/payments/products/` answers like `/payments/products`, as it did on Express.
    routerOptions: { ignoreTrailingSlash: true },
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    // Nest's logger (nestjs-pino) writes the one line per request; Fastify's own logger stays off.
    logger: false,
    // No Nest middleware anywhere (request lines come from a hook): keep @fastify/middie off the hot path.
    skipMiddie: true,
    // A too-long path parameter or a malformed URL: our 400 body, not Fastify's 414/400 of another shape.
    frameworkErrors,
    // Oversized headers, a request that is not HTTP, a timeout: the one error body too, not Fastify's.
    clientErrorHandler,
  });
}

/**
 * Everything between Nest and the wire, shared by main.ts and the e2e tests (so tests run the real app).
 * The app must be created with createHttpAdapter() and `{ bodyParser: false }`: JSON parsing is set up here.
 */
export function setupApp(app: NestFastifyApplication): void {
  const config = app.get<AppConfig>(appConfig.KEY);
  const fastify = app.getHttpAdapter().getInstance();
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();

  // Fields the auth guards and Passport set on every authenticated request, declared up front so each request
  // object keeps the one shape Fastify gave it (adding them per request changes its hidden class and slows
  // every later access to it).
  for (const field of PASSPORT_REQUEST_FIELDS) fastify.decorateRequest(field, null);

  const security = securityHeaders(API_SECURITY_HEADERS);
  fastify.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    void reply.headers(security).header('X-Request-Id', req.id);
    if (config.allowedHosts.length > 0 && !hostAllowed(req, config.allowedHosts)) {
      done(new AppError(ErrorCode.HostNotAllowed));
      return;
    }
    done();
  });
  let requests: ReturnType<typeof requestLogger> | undefined; // PinoLogger.root exists once the app is up
  const http = app.get(HttpMetrics);
  fastify.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    requests ??= requestLogger(PinoLogger.root);
    http.observe(req.routeOptions.url, req.method, reply.statusCode, reply.elapsedTime);
    requestLogLine(req, reply.statusCode, reply.elapsedTime, () => reply.getHeaders(), requests);
    done();
  });
  // @fastify/cors as a plain Fastify plugin: Nest's enableCors() wraps it so that Nest middleware sees its
  // headers, copying every reply header onto the raw response on each request; Tollgate has no middleware.
  void app.register(cors, {
    // A browser's Origin is scheme://host[:port], never a path: compare with FRONTEND_URL's origin.
    origin: [new URL(config.frontendUrl).origin],
    credentials: true,
    // Every method the API routes use (the plugin's default is GET, HEAD and POST only).
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: [
      'X-Request-Id',
      'Retry-After',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
    ],
  });
  registerBodyParsers(app, config);

  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());

  if (config.docsEnabled) setupSwagger(app, config.version);
  setupDemo(app);
  setupConsole(app);
}

/** Swagger UI at /docs, the OpenAPI JSON at /docs-json (unless DOCS_ENABLED=false). */
function setupSwagger(app: NestFastifyApplication, version: string): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Tollgate')
      .setDescription(
        'Payments backend: Stripe subscriptions, credit packs and an exact credit ledger. ' +
          'Errors share one body: {statusCode, code, message, detail, request_id, errors?: [{field, errors[]}]} ' +
          '(ErrorResponseDto; code is one of the stable ErrorCode values).',
      )
      .setVersion(version)
      .addBearerAuth()
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, finalizeOpenApi(document, HOST_EXEMPT_PATHS), {
    jsonDocumentUrl: 'docs-json',
  });
}

/**
 * ALLOWED_HOSTS applies to every Host, localhost and 127.0.0.1 included. The one exemption is the health probes
 * (Kubernetes sends them by pod IP): they are matched on the exact path, so a spoofed Host reaches nothing else.
 */
export const HOST_EXEMPT_PATHS: ReadonlySet<string> = new Set(['/health', '/health/live', '/health/ready']);

function hostAllowed(req: FastifyRequest, allowed: readonly string[]): boolean {
  const host = req.hostname.toLowerCase().replace(/:\d+$/, '');
  return allowed.includes(host) || HOST_EXEMPT_PATHS.has(req.url.split('?')[0].replace(/\/+$/, ''));
}

/**
 * JSON for the API, within BODY_LIMIT and JSON_MAX_DEPTH (scanned before parsing); the Stripe webhook gets the untouched bytes of any content type (the
 * signature is checked on them before anything parses), within 1 MiB.
 */
function registerBodyParsers(app: NestFastifyApplication, config: AppConfig): void {
  type AnyRequest = Pick<FastifyRequest, 'routeOptions'>;
  const isWebhook = (req: AnyRequest) => req.routeOptions.url === WEBHOOK_PATH;
  const tooLarge = (req: AnyRequest, body: Buffer) =>
    body.length > (isWebhook(req) ? WEBHOOK_BODY_LIMIT : config.bodyLimitBytes);

  app.useBodyParser('application/json', {}, (req, body: Buffer, done) => {
    if (tooLarge(req, body)) return done(new AppError(ErrorCode.PayloadTooLarge), undefined);
    if (isWebhook(req)) return done(null, body);
    if (body.length === 0) return done(null, undefined);
    try {
      done(null, parseJsonBody(body, config.jsonMaxDepth));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  // Any other type, text/plain included (Fastify's own text/plain parser would hand the route a string, which
  // validation then reported as a missing body): 415 UNSUPPORTED_MEDIA_TYPE, except on the webhook.
  app.useBodyParser(['*', 'text/plain'], {}, (req, body: Buffer, done) => {
    if (!isWebhook(req)) return done(new AppError(ErrorCode.UnsupportedMediaType), undefined);
    if (tooLarge(req, body)) return done(new AppError(ErrorCode.PayloadTooLarge), undefined);
    done(null, body);
  });
}
