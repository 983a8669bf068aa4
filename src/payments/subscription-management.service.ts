import { overageTerms } from '../plans/plan-overage';
import { planItem } from './stripe-refs';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { Repository } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors';
import { formatMinorUnits } from '../common/money';
import { CreditsService } from '../credits/credits.service';
import type { CreditBreakdown } from '../credits/credit.types';
import { EntitlementsService } from '../entitlements/entitlements.service';
import type { Plan } from '../plans/plan.entity';
import { PlansService } from '../plans/plans.service';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import type { ChangePlanPreviewDto, PreviewLineDto } from './dto/change-plan.dto';
import type {
  SubscriptionAnswer,
  SubscriptionPlanDto,
  UserSubscriptionDto,
} from './dto/subscription-response.dto';
import { LIVE_STATUSES, Subscription } from './subscription.entity';
import { SubscriptionSyncService } from './subscription-sync.service';

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
const isoSeconds = (s: number): string => new Date(s * 1000).toISOString();

/**
 * The caller's subscription: what it is, and the changes they may make to it (cancel at period end, resume,
 * change plan). Every change goes to Stripe first, then the row is re-synced from Stripe and reported.
 */
@Injectable()
export class SubscriptionManagementService {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @InjectRepository(Subscription) private readonly subscriptions: Repository<Subscription>,
    private readonly billing: SubscriptionSyncService,
    private readonly plans: PlansService,
    private readonly credits: CreditsService,
    private readonly entitlements: EntitlementsService,
  ) {}

  /** `GET /payments/get-user-subscription`. */
  async describe(userId: string): Promise<SubscriptionAnswer> {
    // The subscription first, then its credits: a row this read sees was committed with its first period's
    // credits (the mirror grants them in the same transaction), so the credits read after it sees them too.
    const sub = await this.billing.liveSubscription(userId);
    const credits = await this.credits.breakdown(userId);
    if (!sub) return { has_subscription: false, subscription: null, credits };
    return this.present(sub, credits);
  }

  /** The user's subscription with this Stripe id (any status), in the get-user-subscription shape. */
  async describeById(userId: string, subscriptionId: string): Promise<UserSubscriptionDto | null> {
    const sub = await this.subscriptions.findOne({ where: { id: subscriptionId, userId } });
    return sub ? this.present(sub, await this.credits.breakdown(userId)) : null;
  }

  /** `DELETE /payments/cancel-subscription`: at the end of the period, never immediately; repeats are no-ops. */
  async cancel(userId: string): Promise<UserSubscriptionDto> {
    return this.setCancelAtPeriodEnd(userId, true);
  }

  /** `POST /payments/resume-subscription`: withdraws a pending cancellation; repeats are no-ops. */
  async resume(userId: string): Promise<UserSubscriptionDto> {
    return this.setCancelAtPeriodEnd(userId, false);
  }

  /** `POST /payments/change-plan`: swaps the item's price, prorating the rest of the period. */
  async changePlan(userId: string, priceId: string): Promise<UserSubscriptionDto> {
    const { sub, itemId, items } = await this.prepareChange(userId, priceId);
    await this.stripe.subscriptions.update(
      sub.id,
      {
        items,
        proration_behavior: 'create_prorations',
        metadata: { user_id: userId },
      },
      { idempotencyKey: `change-plan:${sub.id}:${itemId}:${priceId}:${sub.stripeVersion}` },
    );
    return this.resynced(userId, sub.id);
  }

  /** `GET /payments/change-plan/preview`: the prorated amount a change would bill, before making it. */
  async previewChange(userId: string, priceId: string): Promise<ChangePlanPreviewDto> {
    const { sub, items } = await this.prepareChange(userId, priceId);
    const invoice = await this.stripe.invoices.createPreview({
      customer: sub.customerId,
      subscription: sub.id,
      subscription_details: {
        items,
        proration_behavior: 'create_prorations',
      },
    });
    const lines: PreviewLineDto[] = invoice.lines.data.map((line) => ({
      description: line.description,
      amount: line.amount,
      proration: this.isProration(line),
      period_start: isoSeconds(line.period.start),
      period_end: isoSeconds(line.period.end),
    }));
    return {
      amount_due: invoice.amount_due,
      currency: invoice.currency,
      proration_amount: lines.filter((l) => l.proration).reduce((sum, l) => sum + l.amount, 0),
      lines,
    };
  }

  /** The get-user-subscription shape of a row. */
  async present(sub: Subscription, credits: CreditBreakdown): Promise<UserSubscriptionDto> {
    const plan = sub.priceId ? await this.plans.findPlanByPriceId(sub.priceId) : null;
    return {
      has_subscription: true,
      subscription_id: sub.id,
      status: sub.status,
      has_access: this.entitlements.hasAccess(sub),
      plan: plan ? this.planView(plan, sub.currency ?? plan.currency) : null,
      trial_end: iso(sub.trialEnd),
      last_renew: iso(sub.currentPeriodStart),
      next_renew: iso(sub.currentPeriodEnd),
      cancel_at_period_end: sub.cancelAtPeriodEnd,
      canceled_at: iso(sub.canceledAt),
      credits,
    };
  }

  private planView(plan: Plan, currency: string): SubscriptionPlanDto {
    const amount = this.plans.amountIn(plan, currency);
    return {
      name: plan.productName,
      full_plan_name: plan.fullPlanName || null,
      price: amount === undefined ? null : formatMinorUnits(amount, currency),
      unit_amount: amount ?? null,
      currency,
      interval: plan.interval,
      monthly_credits: plan.monthlyUses,
    };
  }

  private async setCancelAtPeriodEnd(userId: string, cancel: boolean): Promise<UserSubscriptionDto> {
    const sub = await this.requireLive(userId);
    try {
      await this.stripe.subscriptions.update(sub.id, { cancel_at_period_end: cancel });
    } catch (err) {
      // Our row may be behind Stripe (the subscription already ended): re-sync and say so plainly.
      if (err instanceof Stripe.errors.StripeInvalidRequestError) {
        const fresh = await this.billing.syncSubscription(sub.id);
        if (!fresh || !this.isLive(fresh)) throw new AppError(ErrorCode.SubscriptionNotFound);
      }
      throw err;
    }
    return this.resynced(userId, sub.id);
  }

  /** Checks shared by change-plan and its preview; returns the live row and the Stripe item to swap. */
  private async prepareChange(
    userId: string,
    priceId: string,
  ): Promise<{ sub: Subscription; itemId: string; items: Stripe.SubscriptionUpdateParams.Item[] }> {
    const sub = await this.requireLive(userId);
    if (sub.priceId === priceId) throw new AppError(ErrorCode.SamePlan);
    const plan = await this.plans.findPlanByPriceId(priceId);
    if (!plan || !plan.active) throw new AppError(ErrorCode.PriceNotFound);
    const currency = sub.currency ?? plan.currency;
    if (this.plans.amountIn(plan, currency) === undefined) {
      throw new AppError(
        ErrorCode.CurrencyMismatch,
        `Your subscription is billed in ${currency.toUpperCase()}, and this plan is not sold in that currency.`,
      );
    }
    const remote = await this.billing.fetchSubscription(sub.id);
    const item = remote ? planItem(remote) : undefined;
    if (!remote || !item || !this.isLive(remote)) {
      await this.billing.syncSubscription(sub.id);
      throw new AppError(ErrorCode.SubscriptionNotFound);
    }
    if (item.price.id === priceId) throw new AppError(ErrorCode.SamePlan);
    // The metered overage item follows the plan: the new plan's overage price, or gone with a plan without one.
    const metered = remote.items.data.find((i) => i !== item && i.price.recurring?.usage_type === 'metered');
    const overage = overageTerms(plan, currency) ? plan.overage!.price_id : null;
    const items: Stripe.SubscriptionUpdateParams.Item[] = [{ id: item.id, price: priceId }];
    if (metered && metered.price.id !== overage)
      items.push(overage ? { id: metered.id, price: overage } : { id: metered.id, deleted: true });
    else if (!metered && overage) items.push({ price: overage });
    return { sub, itemId: item.id, items };
  }

  private async requireLive(userId: string): Promise<Subscription> {
    const sub = await this.billing.liveSubscription(userId);
    if (!sub) throw new AppError(ErrorCode.SubscriptionNotFound);
    return sub;
  }

  private async resynced(userId: string, subscriptionId: string): Promise<UserSubscriptionDto> {
    const row = await this.billing.syncSubscription(subscriptionId);
    const sub = row ?? (await this.subscriptions.findOneOrFail({ where: { id: subscriptionId, userId } }));
    return this.present(sub, await this.credits.breakdown(userId));
  }

  private isLive(sub: { status: string }): boolean {
    return (LIVE_STATUSES as string[]).includes(sub.status);
  }

  private isProration(line: Stripe.InvoiceLineItem): boolean {
    const parent = line.parent;
    return !!(parent?.subscription_item_details?.proration ?? parent?.invoice_item_details?.proration);
  }
}
