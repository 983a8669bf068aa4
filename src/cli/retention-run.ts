import { parseArgs } from 'node:util';
import { loadRetentionConfig } from '../config/retention.config';
import { RetentionReport, runRetention } from '../retention/retention';
import { openCliDataSource, runCli } from './cli-data-source';

export function formatRetentionReport(description: string, report: RetentionReport): string {
  if (report.outcome === 'skipped') {
    return `${description}: another instance is pruning right now (it holds the retention lock); nothing done`;
  }
  const verb = report.outcome === 'dry_run' ? 'would prune' : 'pruned';
  const head = `${description}: ${report.outcome === 'dry_run' ? 'dry run, nothing deleted' : 'retention done'}`;
  return [head, ...report.tables.map((t) => `  ${t.table}: ${verb} ${t.rows} (older than ${t.before})`)].join(
    '\n',
  );
}

/**
 * npm run retention:run [-- --dry-run] — one retention run now, with the windows of RETENTION_* (whether or not
 * RETENTION_ENABLED schedules it), under the same lock as the scheduled job. `--dry-run` counts, deletes nothing.
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { 'dry-run': { type: 'boolean', default: false } },
    strict: true,
  });
  const config = loadRetentionConfig();
  const { ds, close, description, embedded } = await openCliDataSource();
  try {
    const report = await runRetention(ds, config, { embedded, dryRun: values['dry-run'] });
    process.stdout.write(`${formatRetentionReport(description, report)}\n`);
    return 0;
  } finally {
    await close();
  }
}

if (require.main === module) runCli(() => main());
