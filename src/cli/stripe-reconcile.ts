import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import {
  ComparedField,
  DriftValue,
  SubscriptionDrift,
  SubscriptionReconciler,
} from '../payments/subscription-reconciler.service';
import { AutoTopUpService, type MissedTopUp } from '../spend-controls/auto-top-up.service';
import { reconcileAll, type FullReconcileResult } from '../admin/reconcile-all';
import { bootCliApp, runCli } from './cli-data-source';

export type { SubscriptionDrift } from '../payments/subscription-reconciler.service';
export type { FullReconcileResult } from '../admin/reconcile-all';

/** Reconciles through the app's services (the logic lives there; this is the CLI's entry). */
export async function reconcile(
  app: INestApplicationContext,
  opts: { fix?: boolean } = {},
): Promise<FullReconcileResult> {
  return reconcileAll(app.get(SubscriptionReconciler), app.get(AutoTopUpService), opts);
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

export function formatMissedTopUp(x: MissedTopUp): string {
  return (
    `${x.invoice_id ?? x.payment_intent_id} (user ${x.user_id}, customer ${x.customer_id}): ` +
    `paid ${x.amount} ${x.currency}, ` +
    `${x.credits} credits never granted`
  );
}

export function formatReconcile(r: FullReconcileResult, fix: boolean): string {
  const lines = [
    `checked ${r.subscriptions} subscriptions of ${r.customers} customers: ${r.drift.length} drifted`,
  ];
  for (const d of r.drift) lines.push(`  drift ${formatDrift(d)}`);
  const t = r.top_ups;
  lines.push(`checked ${t.checked} auto top-up payments: ${t.missing.length} not granted`);
  for (const x of t.missing) lines.push(`  missing ${formatMissedTopUp(x)}`);
  if (fix) {
    lines.push(`fixed ${r.fixed}`);
    for (const d of r.unresolved) lines.push(`  unresolved ${formatDrift(d)}`);
    lines.push(`granted ${t.granted} top-ups`);
    for (const x of t.unresolved) lines.push(`  unresolved ${formatMissedTopUp(x)}`);
  } else if (r.drift.length > 0 || t.missing.length > 0) {
    lines.push('run again with --fix to mirror Stripe and grant the missing top-ups');
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
