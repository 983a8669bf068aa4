/**
 * `npm run client:generate`: boots the app without listening, reads its OpenAPI document (what /docs-json
 * serves), writes clients/typescript/openapi.json and regenerates clients/typescript/src/generated from it.
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

const CLIENT_DIR = join(process.cwd(), 'clients/typescript');

/** The app's OpenAPI document, as /docs-json serves it, from an app that never listens (no ports, no state). */
export async function buildOpenApiDocument(): Promise<Record<string, unknown>> {
  // Hermetic boot: in-memory database, emulator on a random port, nothing persisted, no logs.
  process.env.NODE_ENV ??= 'test';
  process.env.LOG_LEVEL ??= 'silent';
  process.env.DOCS_ENABLED = 'true'; // the generator reads the document even where the server hides it
  const { AppModule } = await import('../app.module');
  const { createHttpAdapter, setupApp } = await import('../app.setup');
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, createHttpAdapter(), {
    bodyParser: false,
    logger: false,
  });
  try {
    setupApp(app);
    await app.init();
    const res = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/docs-json' });
    return res.json<Record<string, unknown>>();
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const document = await buildOpenApiDocument();
  const docPath = join(CLIENT_DIR, 'openapi.json');
  writeFileSync(docPath, `${JSON.stringify(document, null, 2)}\n`);
  execFileSync(
    process.execPath,
    [join(CLIENT_DIR, 'scripts/generate.mjs'), docPath, join(CLIENT_DIR, 'src/generated')],
    {
      stdio: 'inherit',
    },
  );
  process.stdout.write(`wrote ${docPath} and ${join(CLIENT_DIR, 'src/generated')}\n`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
