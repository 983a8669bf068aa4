import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type Stripe from 'stripe';
import { CatalogService } from '../../plans/catalog.service';
import { HANDLER_OPTIONS, stripeEventName, type StripeEventContext } from '../stripe-event-context';

/** product.updated: re-reads the product and its prices from Stripe and upserts their rows (order-independent). */
@Injectable()
export class ProductUpdatedHandler {
  constructor(private readonly catalog: CatalogService) {}

  @OnEvent(stripeEventName('product.updated'), HANDLER_OPTIONS)
  async handle(ctx: StripeEventContext<Stripe.ProductUpdatedEvent>): Promise<void> {
    await this.catalog.refreshProduct(ctx, ctx.event.data.object.id);
  }
}
