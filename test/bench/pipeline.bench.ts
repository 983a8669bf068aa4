import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchDatabase } from '../support/test-database';
import { httpLoad, Measured, tableHeader, tableRow, verdict, warmUp } from './bench-utils';
import { benchDatabaseUrl, databaseLabel } from './platform.bench';
import { call, spawnEmulator, spawnServer, type Server } from './servers/spawn';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 6);
const ROUNDS = Number(process.env.BENCH_PIPELINE_ROUNDS ?? 3);
const CONNECTIONS = 32;
const PRODUCTS = '/payments/products?product_type=subscription';
const WEBHOOK_SECRET = 'whsec_bench_pipeline_only';

/** Runs one of Tollgate's CLIs (dist/src/cli/<name>.js) to completion; throws with its output on failure. */
function cli(name: string, env: Record<string, string>, args: string[] = []): void {
  const out = spawnSync(process.execPath, [`dist/src/cli/${name}.js`, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`${name} failed:\n${out.stdout}\n${out.stderr}`);
  if (process.env.BENCH_VERBOSE) console.log(out.stdout, out.stderr);
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);
const best = (list: Measured[]) => list.reduce((a, b) => (b.rps > a.rps ? b : a));

/**
 * The request pipeline and memory, as production runs it: Tollgate with NODE_ENV=production on PostgreSQL, the
 * Stripe emulator in its own process (so no embedded database or emulator code is loaded in Tollgate's), the
 * catalog pushed and synced with the operator's CLIs. GET /payments/products and GET /health/live against a bare
 * NestJS 12 + Fastify app serving the very same products JSON, best of alternating rounds; then each server's
 * peak RSS.
 */
export async function benchPipeline(): Promise<string> {
  const scratch = await createScratchDatabase(benchDatabaseUrl());
  const servers: Server[] = [];
  try {
    const emulator = await spawnEmulator(WEBHOOK_SECRET);
    servers.push(emulator);
    const tollgate = await spawnServer('tollgate', 'dist/src/main.js', {
      NODE_ENV: 'production',
      DATABASE_URL: scratch.url,
      DB_MIGRATE_ON_START: 'true',
      STRIPE_SECRET_KEY: 'sk_live_bench_against_the_emulator',
      STRIPE_API_URL: emulator.url,
      WEBHOOK_SECRET,
      JWT_SECRET: randomBytes(32).toString('hex'),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      THROTTLE_LIMIT: '1000000000',
    });
    servers.push(tollgate);
    const stripe = { STRIPE_API_URL: emulator.url, STRIPE_SECRET_KEY: 'sk_test_bench' };
    cli('catalog-push', stripe);
    cli('catalog-sync', { ...stripe, DATABASE_URL: scratch.url, WEBHOOK_SECRET }, ['--yes']);
    // The sync's NOTIFY reaches Tollgate's product cache at commit: wait for it, with a deadline.
    const deadline = Date.now() + 10_000;
    let products = await call<{ products: unknown[] }>(`${tollgate.url}${PRODUCTS}`, 'GET');
    while (products.products.length === 0) {
      if (Date.now() > deadline) throw new Error('the synced catalog lists no subscription products');
      await new Promise((r) => setTimeout(r, 50));
      products = await call<{ products: unknown[] }>(`${tollgate.url}${PRODUCTS}`, 'GET');
    }
    const bodyFile = join(tmpdir(), `tollgate-bench-products-${process.pid}.json`);
    writeFileSync(bodyFile, JSON.stringify(products));
    const bare = await spawnServer('bare', 'dist/test/bench/servers/bare-app.js', {
      BENCH_BODY_FILE: bodyFile,
    });
    servers.push(bare);

    const get = (url: string) => ({ url, connections: CONNECTIONS, durationS: DURATION_S });
    const targets: Array<[string, ReturnType<typeof get>]> = [
      ['bare NestJS 12 + Fastify, same JSON', get(`${bare.url}${PRODUCTS}`)],
      ['Tollgate GET /payments/products', get(`${tollgate.url}${PRODUCTS}`)],
      ['Tollgate GET /health/live', get(`${tollgate.url}/health/live`)],
    ];
    for (const [, load] of targets) await warmUp(load);
    const runs = targets.map(() => [] as Measured[]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, [name, load]] of targets.entries()) runs[i].push(await httpLoad(name, load));
    }
    const [bareProducts, appProducts, appLive] = runs.map(best);
    const productsRatio = ratio(appProducts.rps, bareProducts.rps);
    const liveRatio = ratio(appLive.rps, bareProducts.rps);
    const rss = Object.fromEntries(servers.map((s) => [s.name, s.peakRssMiB()]));
    const rssRatio = ratio(rss.tollgate, rss.bare);
    return [
      `${databaseLabel()}; Tollgate NODE_ENV=production, emulator in its own process; ${DURATION_S} s per run, ` +
        `best of ${ROUNDS} alternating rounds after a 1 s warm-up; ${CONNECTIONS} connections`,
      tableHeader(),
      ...[bareProducts, appProducts, appLive].map((m) => tableRow(m)),
      '',
      `products / bare Fastify:      ${verdict(productsRatio.toFixed(2), '≥ 0.5', productsRatio >= 0.5)}`,
      `/health/live / bare Fastify:  ${verdict(liveRatio.toFixed(2), '≥ 0.5', liveRatio >= 0.5)}`,
      `peak RSS per server: ${servers.map((s) => `${s.name} ${rss[s.name].toFixed(0)} MiB`).join(', ')}`,
      `Tollgate peak RSS / bare app's: ${verdict(`${rssRatio.toFixed(2)} (${rss.tollgate.toFixed(0)} vs ${rss.bare.toFixed(0)} MiB)`, '≤ 2', rssRatio <= 2)}`,
    ].join('\n');
  } finally {
    for (const s of servers.reverse()) await s.stop();
    await scratch.drop();
  }
}
