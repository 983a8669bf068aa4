import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { BillingDetailsService } from '../../payments/billing-details.service';
import { OnStripeEvent } from '../on-stripe-event.decorator';
import type { StripeEventContext } from '../stripe-event-context';

type CustomerEvent = Stripe.Event & { data: { object: Stripe.Customer | Stripe.TaxId } };

/**
 * customer.updated and customer.tax_id.*: a customer's billing details changed in Stripe (billing portal,
 * Checkout saving the address it collected, the dashboard): mirror them as Stripe has them now.
 */
@Injectable()
export class CustomerHandler {
  constructor(private readonly billingDetails: BillingDetailsService) {}

  @OnStripeEvent(
    'customer.updated',
    'customer.tax_id.created',
    'customer.tax_id.updated',
    'customer.tax_id.deleted',
  )
  async mirror(ctx: StripeEventContext<CustomerEvent>): Promise<void> {
    const object = ctx.event.data.object;
    const customer = object.object === 'customer' ? object.id : object.customer;
    const customerId = typeof customer === 'string' ? customer : customer?.id;
    if (!customerId) return;
    const write = await this.billingDetails.prepareRefresh(customerId);
    if (write) await ctx.commit(write);
  }
}
