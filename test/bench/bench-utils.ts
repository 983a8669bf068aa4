import autocannon from 'autocannon';

/** One measured target: throughput and latency percentiles (milliseconds). */
export interface Measured {
  name: string;
  /** Requests (or operations) per second over the whole run. */
  rps: number;
  p50: number;
  p99: number;
  total: number;
  /** Non-2xx answers, socket errors and timeouts. */
  failed: number;
}

export interface HttpLoad {
  url: string;
  connections: number;
  durationS: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Cycled per connection (e.g. one bearer token per user): spreads the load over many callers. */
  requests?: Array<{ headers?: Record<string, string>; body?: string }>;
}

/**
 * autocannon against a loopback URL. The load generator runs in a worker thread, so it does not share the
 * app's event loop (a real client would not): the numbers are the server's, not the client's.
 */
export async function httpLoad(name: string, load: HttpLoad): Promise<Measured> {
  const r = await autocannon({
    url: load.url,
    method: load.method ?? 'GET',
    headers: load.headers,
    body: load.body,
    connections: load.connections,
    duration: load.durationS,
    workers: 1,
    ...(load.requests ? { requests: load.requests } : {}),
  });
  return {
    name,
    rps: r.requests.total / load.durationS,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    failed: r.non2xx + r.errors + r.timeouts,
  };
}

/** A short untimed run, so JIT, pools and caches are warm before the measured one. */
export async function warmUp(load: HttpLoad): Promise<void> {
  await httpLoad('warm-up', { ...load, durationS: 1 });
}

/**
 * `concurrency` loops calling `op` back to back for `durationS`: the same shape as N keep-alive HTTP
 * connections, without HTTP. Latencies are measured per call with hrtime.
 */
export async function loopLoad(
  name: string,
  concurrency: number,
  durationS: number,
  op: () => Promise<unknown>,
): Promise<Measured> {
  const latencies: number[] = [];
  let failed = 0;
  const start = process.hrtime.bigint();
  const end = start + BigInt(Math.round(durationS * 1e9));
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (process.hrtime.bigint() < end) {
        const t0 = process.hrtime.bigint();
        try {
          await op();
        } catch {
          failed++;
        }
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const elapsedS = Number(process.hrtime.bigint() - start) / 1e9;
  latencies.sort((a, b) => a - b);
  return {
    name,
    rps: latencies.length / elapsedS,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    total: latencies.length,
    failed,
  };
}

/** `p`th percentile of an ascending array (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

const ms = (v: number): string => `${v.toFixed(2)} ms`;

export const tableHeader = (width = 44): string =>
  `${'target'.padEnd(width)} ${'ops/s'.padStart(9)} ${'p50'.padStart(10)} ${'p99'.padStart(10)} ` +
  `${'total'.padStart(8)} ${'failed'.padStart(7)}`;

export const tableRow = (m: Measured, width = 44): string =>
  `${m.name.padEnd(width)} ${m.rps.toFixed(0).padStart(9)} ${ms(m.p50).padStart(10)} ${ms(m.p99).padStart(10)} ` +
  `${String(m.total).padStart(8)} ${String(m.failed).padStart(7)}`;

/** "0.72 (target ≥ 0.6: met)" */
export function verdict(value: string, target: string, met: boolean): string {
  return `${value} (target ${target}: ${met ? 'met' : 'NOT met'})`;
}
