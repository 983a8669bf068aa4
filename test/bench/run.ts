import { cpus } from 'node:os';
import { benchAuth } from './auth.bench';
import { benchCredits } from './credits.bench';
import { benchEntitlements } from './entitlements.bench';
import { benchPipeline } from './pipeline.bench';
import { benchSpendControls } from './spend-controls.bench';
import { benchDatabaseUrl, benchPlatform, databaseLabel } from './platform.bench';

/**
 * npm run bench — every benchmark in sequence, each printed beside a baseline measured in the same run.
 * Loopback only; every run is bounded by a duration, so the whole takes a couple of minutes.
 */
const BENCHES: Array<[string, () => Promise<string>]> = [
  ['pipeline', benchPipeline],
  ['platform', benchPlatform],
  ['credits', benchCredits],
  ['spend-controls', benchSpendControls],
  ['auth', benchAuth],
  ['entitlements', benchEntitlements],
];

async function main(): Promise<number> {
  // Every bench runs on the same PostgreSQL (the targets are stated for PostgreSQL on loopback).
  process.env.DATABASE_URL = benchDatabaseUrl();
  const only = process.argv.slice(2);
  console.log(
    `Tollgate benchmarks — node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? '?'}), ` +
      `database: ${databaseLabel()}\n`,
  );
  let failures = 0;
  for (const [name, bench] of BENCHES) {
    if (only.length > 0 && !only.includes(name)) continue;
    const started = Date.now();
    try {
      const report = await bench();
      console.log(`== ${name} (${((Date.now() - started) / 1000).toFixed(0)} s)\n${report}\n`);
    } catch (err) {
      failures++;
      console.error(`== ${name} FAILED after ${((Date.now() - started) / 1000).toFixed(0)} s`, err);
    }
  }
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
