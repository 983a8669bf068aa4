import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type Stripe from 'stripe';
import { idOf } from '../../plans/catalog-stripe';
import { CatalogService } from '../../plans/catalog.service';
import { HANDLER_OPTIONS, stripeEventName, type StripeEventContext } from '../stripe-event-context';

/** price.created: re-reads the price's product and all its prices from Stripe and upserts their rows (order-independent). */
@Injectable()
export class PriceCreatedHandler {
  constructor(private readonly catalog: CatalogService) {}

  @OnEvent(stripeEventName('price.created'), HANDLER_OPTIONS)
  async handle(ctx: StripeEventContext<Stripe.PriceCreatedEvent>): Promise<void> {
    await this.catalog.refreshProduct(ctx, idOf(ctx.event.data.object.product));
  }
}
