import { CatalogHandler } from './catalog.handler';
import { ChargeHandler } from './charge.handler';
import { CheckoutHandler } from './checkout.handler';
import { CustomerHandler } from './customer.handler';
import { EntitlementsHandler } from './entitlements.handler';
import { InvoiceHandler } from './invoice.handler';
import { PaymentIntentHandler } from './payment-intent.handler';
import { SubscriptionHandler } from './subscription.handler';

/** Every Stripe event handler; each subscribes with @OnStripeEvent, one handler per event type. */
export const STRIPE_EVENT_HANDLERS = [
  CheckoutHandler,
  InvoiceHandler,
  SubscriptionHandler,
  ChargeHandler,
  CatalogHandler,
  EntitlementsHandler,
  CustomerHandler,
  PaymentIntentHandler,
];
