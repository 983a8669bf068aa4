import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { BillingService } from '../../payments/billing.service';
import type { Subscription } from '../../payments/subscription.entity';
import type { StripeEventContext } from '../stripe-event-context';

type SubscriptionEvent = Stripe.Event & { data: { object: Stripe.Subscription } };

/**
 * Shared by the customer.subscription.* handlers: re-fetch the subscription and apply it (falls back to the
 * event's snapshot if Stripe no longer has it). Re-fetching makes the result independent of delivery order.
 */
@Injectable()
export class SubscriptionMirror {
  constructor(private readonly billing: BillingService) {}

  async sync(ctx: StripeEventContext<SubscriptionEvent>): Promise<Subscription | null> {
    const version = Date.now();
    const remote = (await this.billing.fetchSubscription(ctx.event.data.object.id)) ?? ctx.event.data.object;
    return ctx.commit((m) => this.billing.applySubscription(m, remote, version));
  }
}
