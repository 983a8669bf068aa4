import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { SubscriptionSyncService } from '../../payments/subscription-sync.service';
import { OnStripeEvent } from '../on-stripe-event.decorator';
import type { StripeEventContext } from '../stripe-event-context';

type SummaryEvent = Stripe.Event & { data: { object: Stripe.Entitlements.ActiveEntitlementSummary } };

/**
 * entitlements.active_entitlement_summary.updated: Stripe's view of the customer's features changed (a plan
 * change, a product's features edited). Re-read the customer's live subscription and mirror it, which derives
 * the user's entitlements again in the same transaction; the summary itself is never trusted.
 */
@Injectable()
export class EntitlementsHandler {
  constructor(private readonly subscriptions: SubscriptionSyncService) {}

  @OnStripeEvent('entitlements.active_entitlement_summary.updated')
  async summaryUpdated(ctx: StripeEventContext<SummaryEvent>): Promise<void> {
    const prepared = await this.subscriptions.readForCustomer(ctx.event.data.object.customer);
    if (prepared) await ctx.commit((m) => this.subscriptions.apply(m, prepared));
  }
}
