import { planItem } from './stripe-refs';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { UsersService } from '../users/users.service';
import { Subscription } from './subscription.entity';
import { SubscriptionRead, SubscriptionSyncService } from './subscription-sync.service';

/** The mirrored fields reconcile compares (Stripe's value vs ours). */
export const COMPARED = [
  'status',
  'price_id',
  'current_period_start',
  'current_period_end',
  'cancel_at_period_end',
] as const;
export type ComparedField = (typeof COMPARED)[number];
export type DriftValue = string | number | boolean | null;

export interface SubscriptionDrift {
  subscription_id: string;
  user_id: string;
  customer_id: string;
  /** missing: Stripe has it, we do not; changed: fields differ; not_in_stripe: we have it, Stripe does not. */
  kind: 'missing' | 'changed' | 'not_in_stripe';
  fields: Partial<Record<ComparedField, { tollgate: DriftValue; stripe: DriftValue }>>;
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

interface Observed {
  drift: SubscriptionDrift[];
  remote: Map<string, SubscriptionRead>;
  customers: number;
  subscriptions: number;
}

const seconds = (d: Date | null): number | null => (d ? Math.floor(d.getTime() / 1000) : null);

function stripeSide(s: Stripe.Subscription): Record<ComparedField, DriftValue> {
  const item = planItem(s);
  return {
    status: s.status,
    price_id: item?.price?.id ?? null,
    current_period_start: item?.current_period_start ?? null,
    current_period_end: item?.current_period_end ?? null,
    cancel_at_period_end: s.cancel_at_period_end,
  };
}

function ourSide(row: Subscription): Record<ComparedField, DriftValue> {
  return {
    status: row.status,
    price_id: row.priceId,
    current_period_start: seconds(row.currentPeriodStart),
    current_period_end: seconds(row.currentPeriodEnd),
    cancel_at_period_end: row.cancelAtPeriodEnd,
  };
}

/**
 * Reconciles the subscriptions table with Stripe (`npm run stripe:reconcile`). Reports drift; with `fix`,
 * re-applies each drifted subscription through the webhook's own mirror path (SubscriptionSyncService, with
 * its recency guard; an ended one ends its monthly credits there too), then checks again.
 */
@Injectable()
export class SubscriptionReconciler {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly sync: SubscriptionSyncService,
  ) {}

  async reconcile(opts: { fix?: boolean } = {}): Promise<ReconcileResult> {
    const first = await this.observe();
    const result: ReconcileResult = {
      customers: first.customers,
      subscriptions: first.subscriptions,
      drift: first.drift,
      fixed: 0,
      unresolved: first.drift,
      exitCode: first.drift.length === 0 ? 0 : 2,
    };
    if (!opts.fix || first.drift.length === 0) return result;

    for (const d of first.drift) {
      const read = first.remote.get(d.subscription_id);
      if (!read) continue;
      const prepared = await this.sync.prepare(read);
      const row = await this.db.transaction((m) => this.sync.apply(m, prepared));
      if (row) result.fixed += 1;
    }
    const drifted = new Set(first.drift.map((d) => d.subscription_id));
    result.unresolved = (await this.observe()).drift.filter((d) => drifted.has(d.subscription_id));
    result.exitCode = result.unresolved.length === 0 ? 0 : 2;
    return result;
  }

  /** Compares every customer's subscriptions in Stripe (status all) with the subscriptions table. */
  private async observe(): Promise<Observed> {
    const users = await this.users.withCustomers();
    const out: Observed = { drift: [], remote: new Map(), customers: users.length, subscriptions: 0 };
    for (const user of users) {
      const customer = user.customerId;
      const version = Date.now(); // the read's time, for the mirror's recency guard
      const theirs: Stripe.Subscription[] = [];
      for await (const s of this.stripe.subscriptions.list({ customer, status: 'all', limit: 100 })) {
        theirs.push(s);
      }
      const ours = await this.db
        .getRepository(Subscription)
        .find({ where: [{ customerId: customer }, { userId: user.id }] });
      const byId = new Map(ours.map((row) => [row.id, row]));
      for (const s of theirs) {
        out.subscriptions += 1;
        out.remote.set(s.id, { subscription: s, version });
        const row = byId.get(s.id);
        byId.delete(s.id);
        const want = stripeSide(s);
        const base = { subscription_id: s.id, user_id: row?.userId ?? user.id, customer_id: customer };
        if (!row) {
          const fields = Object.fromEntries(COMPARED.map((f) => [f, { tollgate: null, stripe: want[f] }]));
          out.drift.push({ ...base, kind: 'missing', fields });
          continue;
        }
        const have = ourSide(row);
        const differing = COMPARED.filter((f) => have[f] !== want[f]);
        if (differing.length > 0) {
          const fields = Object.fromEntries(
            differing.map((f) => [f, { tollgate: have[f], stripe: want[f] }]),
          );
          out.drift.push({ ...base, kind: 'changed', fields });
        }
      }
      // Rows of this customer that Stripe did not list (another account or mode, or deleted test data).
      for (const row of byId.values()) {
        if (row.customerId !== customer) continue; // the user's older customer: not this list's business
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
}
