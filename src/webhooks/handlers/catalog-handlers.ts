import { ProductCreatedHandler } from './product-created.handler';
import { ProductUpdatedHandler } from './product-updated.handler';
import { ProductDeletedHandler } from './product-deleted.handler';
import { PriceCreatedHandler } from './price-created.handler';
import { PriceUpdatedHandler } from './price-updated.handler';
import { PriceDeletedHandler } from './price-deleted.handler';

/** The catalog's webhook handlers (WebhooksModule provides them; they need PlansModule's CatalogService). */
export const CATALOG_HANDLERS = [
  ProductCreatedHandler,
  ProductUpdatedHandler,
  ProductDeletedHandler,
  PriceCreatedHandler,
  PriceUpdatedHandler,
  PriceDeletedHandler,
];
