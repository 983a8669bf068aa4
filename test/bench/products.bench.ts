import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import autocannon from 'autocannon';
import { createTestApp } from '../support/test-app';

const PATH = '/payments/products/?product_type=subscription';
const CONNECTIONS = 32;
const DURATION_S = 5;
const WARMUP_S = 1;
const ROUNDS = 2;

interface Measured {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  bytes: number;
}

async function measure(name: string, url: string): Promise<Measured> {
  await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_S });
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S });
  return {
    name,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    bytes: r.requests.total > 0 ? Math.round(r.throughput.total / r.requests.total) : 0,
  };
}

/** A bare NestJS + Fastify app answering a static copy of the same JSON: the framework's own ceiling. */
async function startBaseline(body: unknown): Promise<{ url: string; close: () => Promise<void> }> {
  @Controller('payments')
  class StaticProductsController {
    @Get('products')
    list(): unknown {
      return body;
    }
  }
  @Module({ controllers: [StaticProductsController] })
  class BaselineModule {}

  const app = await NestFactory.create<NestFastifyApplication>(BaselineModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

const row = (m: Measured): string =>
  `${m.name.padEnd(34)} ${m.rps.toFixed(0).padStart(8)} ${`${m.p50} ms`.padStart(8)} ${`${m.p99} ms`.padStart(8)} ` +
  `${String(m.requests).padStart(9)} ${String(m.non2xx + m.errors).padStart(7)} ${String(m.bytes).padStart(7)}`;

/**
 * Throughput of GET /payments/products (the real app: guards, throttler, validation, logging, cache) beside a
 * bare NestJS+Express app serving the same bytes, measured in the same process and run.
 */
export async function benchProducts(): Promise<string> {
  const t = await createTestApp({ env: { THROTTLE_LIMIT: '1000000000', THROTTLE_TTL_MS: '1000' } });
  try {
    const sample = await t.http().get(PATH).expect(200);
    const body: unknown = sample.body;
    const count = (body as { products: unknown[] }).products.length;
    if (count === 0) throw new Error('the catalog is empty: nothing to benchmark');

    // Alternate the two targets and keep each one's best round: on a shared machine, background load then
    // penalizes neither side systematically.
    const baseline = await startBaseline(body);
    const reals: Measured[] = [];
    const lives: Measured[] = [];
    const bares: Measured[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        reals.push(await measure('tollgate GET /payments/products', `${t.url}${PATH}`));
        lives.push(await measure('tollgate GET /health/live (pipeline)', `${t.url}/health/live`));
        bares.push(await measure('bare NestJS+Express, same JSON', `${baseline.url}${PATH}`));
      }
    } finally {
      await baseline.close();
    }
    const best = (list: Measured[]) => list.reduce((a, b) => (b.rps > a.rps ? b : a));
    const real = best(reals);
    const live = best(lives);
    const bare = best(bares);
    const ratio = bare.rps > 0 ? real.rps / bare.rps : 0;
    return [
      `products endpoint: ${CONNECTIONS} connections, ${DURATION_S} s per round (after ${WARMUP_S} s warm-up), ` +
        `best of ${ROUNDS} alternating rounds, ${count} products, node ${process.version}`,
      `${'target'.padEnd(34)} ${'req/s'.padStart(8)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'requests'.padStart(9)} ${'failed'.padStart(7)} ${'B/resp'.padStart(7)}`,
      row(real),
      row(live),
      row(bare),
      `tollgate / baseline throughput: ${(ratio * 100).toFixed(1)}% ` +
        `(rounds req/s: tollgate ${reals.map((m) => m.rps.toFixed(0)).join(', ')}; bare ${bares.map((m) => m.rps.toFixed(0)).join(', ')})`,
      `/health/live runs the same global pipeline (helmet, CORS, request id, logging, guards, throttler) with no ` +
        `catalog work: the gap between it and the products row is the endpoint's own cost.`,
    ].join('\n');
  } finally {
    await t.close();
  }
}

if (require.main === module) {
  benchProducts().then(
    (report) => console.log(report),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
