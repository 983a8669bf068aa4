import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import {
  ComparedField,
  DriftValue,
  ReconcileResult,
  SubscriptionDrift,
  SubscriptionReconciler,
} from '../payments/subscription-reconciler.service';
import { bootCliApp, runCli } from './cli-data-source';

export type { ReconcileResult, SubscriptionDrift } from '../payments/subscription-reconciler.service';

/** Reconciles through the app's SubscriptionReconciler (the logic lives there; this is the CLI's entry). */
export async function reconcile(
  app: INestApplicationContext,
  opts: { fix?: boolean } = {},
): Promise<ReconcileResult> {
  return app.get(SubscriptionReconciler).reconcile(opts);
}

const show = (v: DriftValue): string => (v === null ? '—' : String(v));
const when = (field: ComparedField, v: DriftValue): string =>
  field.startsWith('current_period') && typeof v === 'number' ? new Date(v * 1000).toISOString() : show(v);

export function formatDrift(d: SubscriptionDrift): string {
  const head = `${d.subscription_id} (user ${d.user_id}, customer ${d.customer_id})`;
  if (d.kind === 'missing')
    return `${head}: in Stripe (${show(d.fields.status?.stripe ?? null)}), not in Tollgate`;
  if (d.kind === 'not_in_stripe') return `${head}: in Tollgate, not in Stripe`;
  const diffs = Object.entries(d.fields).map(
    ([f, v]) => `${f} ${when(f as ComparedField, v.tollgate)} → ${when(f as ComparedField, v.stripe)}`,
  );
  return `${head}: ${diffs.join('; ')}`;
}

export function formatReconcile(r: ReconcileResult, fix: boolean): string {
  const lines = [
    `checked ${r.subscriptions} subscriptions of ${r.customers} customers: ${r.drift.length} drifted`,
  ];
  for (const d of r.drift) lines.push(`  drift ${formatDrift(d)}`);
  if (fix) {
    lines.push(`fixed ${r.fixed}`);
    for (const d of r.unresolved) lines.push(`  unresolved ${formatDrift(d)}`);
  } else if (r.drift.length > 0) {
    lines.push('run again with --fix to mirror Stripe');
  }
  return lines.join('\n');
}

/** npm run stripe:reconcile [-- --fix] — exit 0: no drift (or all fixed); 2: drift remains. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { fix: { type: 'boolean', default: false } },
    strict: true,
  });
  const app = await bootCliApp('reconcile');
  try {
    const result = await reconcile(app, { fix: values.fix });
    process.stdout.write(`${formatReconcile(result, values.fix)}\n`);
    return result.exitCode;
  } finally {
    await app.close();
  }
}

if (require.main === module) runCli(() => main());
