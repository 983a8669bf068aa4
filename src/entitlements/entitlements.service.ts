import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainEvents } from '../common/events/domain-events';
import {
  EntitlementsChanged,
  SUBSCRIBER_ORDER,
  SubscriptionChanged,
  type SubscriptionBasis,
} from '../common/facts';
import { appConfig, AppConfig } from '../config/app.config';
import { AppError, ErrorCode } from '../common/errors';
import { canonicalFeatures, entitles, sameFeatures, type PlanFeatures } from '../plans/plan-features';
import { PlansService } from '../plans/plans.service';
import { EntitlementsDto } from './dto/entitlements.dto';
import { graceEnds, hasAccess } from './access-rule';
import type { EntitlementSource } from './user-entitlement.entity';

/**
 * What entitlements are derived from: the user's live subscription (null: none) with the access rule applied,
 * and the newest subscription read the mirror holds.
 */
export interface EntitlementBasis {
  subscription: {
    id: string;
    status: string;
    priceId: string | null;
    /** The access-by-status rule (trialing/active yes, past_due within the grace days, otherwise no). */
    hasAccess: boolean;
    /** past_due: when the grace period ends. */
    accessUntil: Date | null;
  } | null;
  /** The newest `stripe_version` among the user's subscriptions. */
  version: number;
}

/** A user's set as stored (and as an outbound event reports it). */
interface EntitlementState {
  features: PlanFeatures;
  source: EntitlementSource;
  plan_lookup_key: string | null;
  plan_name: string | null;
  subscription_id: string | null;
  subscription_status: string | null;
  access_until: Date | null;
}

interface StoredState extends EntitlementState {
  source_version: string;
}

const STATE_COLUMNS = `features, source, plan_lookup_key, plan_name, subscription_id, subscription_status,
  access_until, source_version`;

/**
 * Entitlements: what a user may do, from the plan of their subscription (or the free plan). `recompute` runs in
 * the subscription mirror's transaction, so the set commits with the change it follows; reads apply the
 * past_due grace deadline, so access ends on time even before Stripe's next event.
 */
@Injectable()
export class EntitlementsService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly plans: PlansService,
    private readonly events: DomainEvents,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  /** Entitlements derive themselves from the subscription mirror's fact, in the mirror's transaction. */
  onModuleInit(): void {
    this.events.subscribe(SubscriptionChanged, {
      order: SUBSCRIBER_ORDER.entitlements,
      name: 'entitlements',
      handle: (m, fact) => this.recompute(m, fact.userId, async () => this.basisOf(await fact.readBasis())),
    });
  }

  /** The access rule applied to the mirror's basis. */
  private basisOf({ live, version }: SubscriptionBasis): EntitlementBasis {
    const grace = this.app.pastDueGraceDays;
    return {
      version,
      subscription: live
        ? {
            id: live.id,
            status: live.status,
            priceId: live.priceId,
            hasAccess: hasAccess(live, grace),
            accessUntil: graceEnds(live, grace),
          }
        : null,
    };
  }

  /** Whether a subscription gives access now (the rule, with PAST_DUE_GRACE_DAYS). */
  hasAccess(sub: { status: string; pastDueSince: Date | null }, now = new Date()): boolean {
    return hasAccess(sub, this.app.pastDueGraceDays, now);
  }

  /**
   * Derives the user's set again. The row is locked before `readBasis` runs, so concurrent changes of one user
   * apply one after the other, each reading the subscriptions as committed; a basis older than the stored one
   * changes nothing. Emits `entitlements.updated` only when the features or their plan change.
   */
  private async recompute(
    m: EntityManager,
    userId: string,
    readBasis: () => Promise<EntitlementBasis>,
  ): Promise<void> {
    await m.query(`INSERT INTO user_entitlements (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING`, [
      userId,
    ]);
    const [stored]: StoredState[] = await m.query(
      `SELECT ${STATE_COLUMNS} FROM user_entitlements WHERE user_id = $1 FOR UPDATE`,
      [userId],
    );
    const basis = await readBasis();
    const storedVersion = Number(stored.source_version);
    if (basis.version < storedVersion) return;
    const next = await this.derive(m, basis);
    await m.query(
      `UPDATE user_entitlements SET features = $2, source = $3, plan_lookup_key = $4, plan_name = $5,
          subscription_id = $6, subscription_status = $7, access_until = $8, source_version = $9, updated_at = now()
       WHERE user_id = $1`,
      [
        userId,
        JSON.stringify(next.features),
        next.source,
        next.plan_lookup_key,
        next.plan_name,
        next.subscription_id,
        next.subscription_status,
        next.access_until,
        basis.version,
      ],
    );
    // A row created just now stood for "no row": the free plan, as reads answer it.
    const before = storedVersion === 0 && stored.source === 'none' ? await this.derive(m, NO_BASIS) : stored;
    if (sameFeatures(before.features, next.features) && before.plan_lookup_key === next.plan_lookup_key)
      return;
    const keys = new Set([...Object.keys(before.features), ...Object.keys(next.features)]);
    await this.events.publish(
      m,
      new EntitlementsChanged(userId, {
        features: next.features,
        previousFeatures: canonicalFeatures(before.features),
        changedFeatures: [...keys].filter((k) => before.features[k] !== next.features[k]).sort(),
        source: next.source,
        planLookupKey: next.plan_lookup_key,
        previousPlanLookupKey: before.plan_lookup_key,
        subscriptionId: next.subscription_id,
        subscriptionStatus: next.subscription_status,
        accessUntil: next.access_until,
      }),
    );
  }

  /** The caller's entitlements now (`GET /entitlements`). */
  async forUser(userId: string, now = new Date()): Promise<EntitlementsDto> {
    // The free plan is always read as the catalog has it now; a subscription's set as it was derived.
    const [row]: StoredState[] = await this.db.query(
      `SELECT ${STATE_COLUMNS} FROM user_entitlements WHERE user_id = $1`,
      [userId],
    );
    const expired = row?.access_until && new Date(row.access_until).getTime() < now.getTime();
    let state: EntitlementState;
    if (row && row.source === 'subscription' && !expired) state = row;
    else {
      const free = await this.plans.freePlan();
      state = {
        features: free?.features ?? {},
        source: free ? 'free_plan' : 'none',
        plan_lookup_key: free?.lookupKey ?? null,
        plan_name: free?.name ?? null,
        subscription_id: row?.subscription_id ?? null,
        subscription_status: row?.subscription_status ?? null,
        access_until: null,
      };
    }
    const features = canonicalFeatures(state.features);
    return {
      source: state.source,
      plan:
        state.plan_lookup_key || state.plan_name
          ? { lookup_key: state.plan_lookup_key, name: state.plan_name }
          : null,
      subscription_id: state.subscription_id,
      subscription_status: state.subscription_status,
      access_until: state.access_until ? new Date(state.access_until).toISOString() : null,
      features: Object.entries(features).map(([key, value]) => ({
        key,
        value,
        plan_lookup_key: state.plan_lookup_key,
      })),
    };
  }

  /**
   * The guard of @RequiresFeature: throws 403 FEATURE_NOT_ENTITLED, naming the first plan for sale that grants
   * the feature, unless the user's set has it (a flag that is true, a limit above zero).
   */
  async require(userId: string, feature: string): Promise<void> {
    const current = await this.forUser(userId);
    if (entitles(current.features.find((f) => f.key === feature)?.value)) return;
    const plan = await this.plans.planGranting(feature);
    throw new AppError(
      ErrorCode.FeatureNotEntitled,
      plan
        ? `Your plan does not include ${feature}. Upgrade to ${plan.productName} to use it.`
        : `Your plan does not include ${feature}, and no plan for sale does.`,
      {
        feature,
        current_plan: current.plan,
        required_plan: plan
          ? {
              lookup_key: plan.lookupKey,
              name: plan.productName,
              product_id: plan.productId,
              price_id: plan.priceId,
            }
          : null,
      },
    );
  }

  private async derive(m: EntityManager, basis: EntitlementBasis): Promise<EntitlementState> {
    const sub = basis.subscription;
    const subscription = {
      subscription_id: sub?.id ?? null,
      subscription_status: sub?.status ?? null,
    };
    if (sub?.hasAccess && sub.priceId) {
      const plan = await this.plans.planForPrice(m, sub.priceId);
      if (plan) {
        return {
          features: canonicalFeatures(plan.features ?? {}),
          source: 'subscription',
          plan_lookup_key: plan.lookupKey,
          plan_name: plan.productName,
          ...subscription,
          access_until: sub.accessUntil,
        };
      }
    }
    const free = await this.plans.freePlanIn(m);
    return {
      features: canonicalFeatures(free?.features ?? {}),
      source: free ? 'free_plan' : 'none',
      plan_lookup_key: free?.lookupKey ?? null,
      plan_name: free?.name ?? null,
      ...subscription,
      access_until: null,
    };
  }
}

const NO_BASIS: EntitlementBasis = { subscription: null, version: 0 };
