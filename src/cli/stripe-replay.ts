import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import {
  parseDuration,
  ReplayOptions,
  ReplaySummary,
  WebhookReplayService,
} from '../webhooks/webhook-replay.service';
import { bootCliApp, runCli } from './cli-data-source';

export { MAX_REPLAY_SECONDS, parseDuration } from '../webhooks/webhook-replay.service';
export type { ReplayOptions, ReplaySummary } from '../webhooks/webhook-replay.service';

/** Replays through the app's WebhookReplayService (the logic lives there; this is the CLI's entry). */
export async function replayEvents(
  app: INestApplicationContext,
  opts: ReplayOptions,
): Promise<ReplaySummary> {
  return app.get(WebhookReplayService).replay(opts);
}

export function formatReplaySummary(s: ReplaySummary): string {
  const lines = [
    `fetched ${s.fetched}, new ${s.new}, duplicates ${s.duplicates}, processed ${s.processed}, failed ${s.failed}`,
  ];
  if (s.failedIds.length > 0) {
    lines.push(`failed events (see GET /admin/webhook-events?status=failed): ${s.failedIds.join(', ')}`);
  }
  return lines.join('\n');
}

/** npm run stripe:replay -- --since <30m|2h|3d> [--undelivered-only] */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { since: { type: 'string' }, 'undelivered-only': { type: 'boolean', default: false } },
    strict: true,
  });
  const sinceSeconds = parseDuration(values.since);
  const app = await bootCliApp('replay');
  try {
    const summary = await replayEvents(app, {
      sinceSeconds,
      undeliveredOnly: values['undelivered-only'],
    });
    process.stdout.write(`${formatReplaySummary(summary)}\n`);
    return summary.failed > 0 ? 1 : 0;
  } finally {
    await app.close();
  }
}

if (require.main === module) runCli(() => main());
