import { Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { refId } from '../../stripe/stripe-refs';
import { CatalogSyncService } from '../../plans/catalog-sync.service';
import { OnStripeEvent } from '../on-stripe-event.decorator';
import type { StripeEventContext } from '../stripe-event-context';

type ProductEvent = Stripe.Event & { data: { object: { id: string } } };
type PriceEvent = Stripe.Event & { data: { object: Stripe.Price } };

/**
 * product.* and price.*: re-read the product and all its prices from Stripe and upsert their rows, so event
 * order and duplicates do not matter.
 */
@Injectable()
export class CatalogHandler {
  constructor(private readonly catalog: CatalogSyncService) {}

  @OnStripeEvent('product.created', 'product.updated', 'product.deleted')
  async product(ctx: StripeEventContext<ProductEvent>): Promise<void> {
    await this.catalog.refreshProduct(ctx, ctx.event.data.object.id);
  }

  @OnStripeEvent('price.created', 'price.updated', 'price.deleted')
  async price(ctx: StripeEventContext<PriceEvent>): Promise<void> {
    await this.catalog.refreshProduct(ctx, refId(ctx.event.data.object.product));
  }
}
