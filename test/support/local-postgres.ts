import { spawnSync } from 'node:child_process';
import { realDatabaseUrl } from './test-database';

const LOCAL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * A PostgreSQL server for tests that are only meaningful there (several replicas, advisory locks): DATABASE_URL
 * in CI's PostgreSQL pass, otherwise the machine's 127.0.0.1:5432 when it answers, so the embedded pass runs
 * them too. Synchronous, so a spec can decide what to register.
 */
export function postgresServerUrl(): string | undefined {
  const configured = realDatabaseUrl();
  if (configured) return configured;
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `const { Client } = require('pg'); const c = new Client({ connectionString: ${JSON.stringify(LOCAL)}, connectionTimeoutMillis: 1500 });
       c.connect().then(() => c.end()).then(() => process.exit(0), () => process.exit(1));`,
    ],
    { cwd: __dirname, timeout: 5000 },
  );
  return probe.status === 0 ? LOCAL : undefined;
}
