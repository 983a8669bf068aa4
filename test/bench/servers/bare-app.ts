import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * The bundled baseline: a bare NestJS 12 + Fastify app (no guards, no logging, no database) answering a static
 * copy of the JSON Tollgate's GET /payments/products returned, read from the file named by BENCH_BODY_FILE.
 * The framework's own ceiling for that response on this machine.
 */
const body: unknown = JSON.parse(readFileSync(process.env.BENCH_BODY_FILE!, 'utf8'));

@Controller('payments')
class StaticProductsController {
  @Get('products')
  list(): unknown {
    return body;
  }
}

@Module({ controllers: [StaticProductsController] })
class BareModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
}

void main();
