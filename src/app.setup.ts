import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json, raw, urlencoded, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppError, ErrorCode } from './common/errors';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter';
import { createValidationPipe } from './common/validation';
import { appConfig, AppConfig } from './config/app.config';

export const WEBHOOK_PATH = '/payments/webhook';

/**
 * Everything between Nest and the wire, shared by main.ts and the e2e tests (so tests run the real app).
 * The app must be created with `{ bodyParser: false }`.
 */
export function setupApp(app: NestExpressApplication | INestApplication): void {
  const express = app as NestExpressApplication;
  const config = app.get<AppConfig>(appConfig.KEY);
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  express.disable('x-powered-by');

  if (config.allowedHosts.length > 0) {
    express.use((req: Request, _res: Response, next: NextFunction) => {
      const host = (req.hostname ?? '').toLowerCase();
      if (config.allowedHosts.includes(host) || host === '127.0.0.1' || host === 'localhost') return next();
      next(new AppError(ErrorCode.HostNotAllowed));
    });
  }
  express.use(helmet({ contentSecurityPolicy: false, crossOriginEmbedderPolicy: false }));
  app.enableCors({
    origin: [config.frontendUrl],
    credentials: true,
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
  });
  // Stripe webhooks get the untouched bytes: the signature is checked on them before anything parses.
  express.use(WEBHOOK_PATH, raw({ type: '*/*', limit: '1mb' }));
  express.use(json({ limit: config.bodyLimit }));
  express.use(urlencoded({ extended: false, limit: config.bodyLimit }));

  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Tollgate')
      .setDescription(
        'Payments backend: Stripe subscriptions, credit packs and an exact credit ledger. ' +
          'Errors share one body: {statusCode, code, message, detail, request_id}.',
      )
      .setVersion(config.version)
      .addBearerAuth()
      .addSecurityRequirements('bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
