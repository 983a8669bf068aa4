import 'reflect-metadata';
import { parseArgs } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import type Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { BillingService } from '../payments/billing.service';
import { Subscription } from '../payments/subscription.entity';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { runCli } from './cli-data-source';
import { bootCliApp } from './stripe-replay';

/** The mirrored fields reconcile compares (Stripe's value vs ours). */
export const COMPARED = [
  'status',
  'price_id',
  'current_period_start',
  'current_period_end',
  'cancel_at_period_end',
] as const;
export type ComparedField = (typeof COMPARED)[number];
type Value = string | number | boolean | null;

export interface SubscriptionDrift {
  subscription_id: string;
  user_id: string;
  customer_id: string;
  /** missing: Stripe has it, we do not; changed: fields differ; not_in_stripe: we have it, Stripe does not. */
  kind: 'missing' | 'changed' | 'not_in_stripe';
  fields: Partial<Record<ComparedField, { tollgate: Value; stripe: Value }>>;
}

export interface ReconcileResult {
  customers: number;
  subscriptions: number;
  drift: SubscriptionDrift[];
  /** With fix: drifted subscriptions re-applied through the mirror. */
  fixed: number;
  /** With fix: what still differs after fixing (e.g. rows Stripe does not know). */
  unresolved: SubscriptionDrift[];
  /** 0: no drift, or all of it fixed; 2: drift remains. */
  exitCode: 0 | 2;
}

const seconds = (d: Date | null): number | null => (d ? Math.floor(d.getTime() / 1000) : null);

function stripeSide(s: Stripe.Subscription): Record<ComparedField, Value> {
  const item = s.items.data[0];
  return {
    status: s.status,
    price_id: item?.price?.id ?? null,
    current_period_start: item?.current_period_start ?? null,
    current_period_end: item?.current_period_end ?? null,
    cancel_at_period_end: s.cancel_at_period_end,
  };
}

function ourSide(row: Subscription): Record<ComparedField, Value> {
  return {
    status: row.status,
    price_id: row.priceId,
    current_period_start: seconds(row.currentPeriodStart),
    current_period_end: seconds(row.currentPeriodEnd),
    cancel_at_period_end: row.cancelAtPeriodEnd,
  };
}

interface Observed {
  drift: SubscriptionDrift[];
  remote: Map<string, { subscription: Stripe.Subscription; version: number }>;
  customers: number;
  subscriptions: number;
}

/** Compares every customer's subscriptions in Stripe (status all) with the subscriptions table. */
async function observe(app: INestApplicationContext): Promise<Observed> {
  const stripe = app.get<Stripe>(STRIPE_CLIENT);
  const db = app.get(DataSource);
  const users: Array<{ id: string; customer_id: string }> = await db.query(
    'SELECT id, customer_id FROM users WHERE customer_id IS NOT NULL ORDER BY created_at, id',
  );
  const out: Observed = { drift: [], remote: new Map(), customers: users.length, subscriptions: 0 };
  for (const user of users) {
    const version = Date.now(); // the read's time, for the mirror's recency guard
    const theirs: Stripe.Subscription[] = [];
    for await (const s of stripe.subscriptions.list({
      customer: user.customer_id,
      status: 'all',
      limit: 100,
    })) {
      theirs.push(s);
    }
    const ours = await db
      .getRepository(Subscription)
      .find({ where: [{ customerId: user.customer_id }, { userId: user.id }] });
    const byId = new Map(ours.map((row) => [row.id, row]));
    for (const s of theirs) {
      out.subscriptions += 1;
      out.remote.set(s.id, { subscription: s, version });
      const row = byId.get(s.id);
      byId.delete(s.id);
      const want = stripeSide(s);
      const base = { subscription_id: s.id, user_id: row?.userId ?? user.id, customer_id: user.customer_id };
      if (!row) {
        const fields = Object.fromEntries(COMPARED.map((f) => [f, { tollgate: null, stripe: want[f] }]));
        out.drift.push({ ...base, kind: 'missing', fields });
        continue;
      }
      const have = ourSide(row);
      const differing = COMPARED.filter((f) => have[f] !== want[f]);
      if (differing.length > 0) {
        const fields = Object.fromEntries(differing.map((f) => [f, { tollgate: have[f], stripe: want[f] }]));
        out.drift.push({ ...base, kind: 'changed', fields });
      }
    }
    // Rows of this customer that Stripe did not list (another account or mode, or deleted test data).
    for (const row of byId.values()) {
      if (row.customerId !== user.customer_id) continue; // the user's older customer: not this list's business
      out.drift.push({
        subscription_id: row.id,
        user_id: row.userId,
        customer_id: row.customerId,
        kind: 'not_in_stripe',
        fields: {},
      });
    }
  }
  return out;
}

/**
 * Reconciles the subscriptions table with Stripe. Reports drift; with `fix`, re-applies each drifted
 * subscription through BillingService.applySubscription (the webhook's own mirror path, with its recency
 * guard; an ended one ends its monthly credits there too), then checks again.
 */
export async function reconcile(
  app: INestApplicationContext,
  opts: { fix?: boolean } = {},
): Promise<ReconcileResult> {
  const first = await observe(app);
  const result: ReconcileResult = {
    customers: first.customers,
    subscriptions: first.subscriptions,
    drift: first.drift,
    fixed: 0,
    unresolved: first.drift,
    exitCode: first.drift.length === 0 ? 0 : 2,
  };
  if (!opts.fix || first.drift.length === 0) return result;

  const db = app.get(DataSource);
  const billing = app.get(BillingService);
  for (const d of first.drift) {
    const remote = first.remote.get(d.subscription_id);
    if (!remote) continue;
    const row = await db.transaction((m) =>
      billing.applySubscription(m, remote.subscription, remote.version),
    );
    if (row) result.fixed += 1;
  }
  const drifted = new Set(first.drift.map((d) => d.subscription_id));
  result.unresolved = (await observe(app)).drift.filter((d) => drifted.has(d.subscription_id));
  result.exitCode = result.unresolved.length === 0 ? 0 : 2;
  return result;
}

const show = (v: Value): string => (v === null ? '—' : String(v));
const when = (field: ComparedField, v: Value): string =>
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
  const app = await bootCliApp();
  try {
    const result = await reconcile(app, { fix: values.fix });
    process.stdout.write(`${formatReconcile(result, values.fix)}\n`);
    return result.exitCode;
  } finally {
    await app.close();
  }
}

if (require.main === module) runCli(() => main());
