import { Router } from '../router';
import { registerCheckoutSessions } from './checkout-sessions';
import { registerCoupons } from './coupons';
import { registerCustomers } from './customers';
import { registerPrices } from './prices';
import { registerSubscriptions } from './subscriptions';
import { registerInvoices } from './invoices';
import { registerPayments } from './payments';
import { registerEvents } from './events';
import { registerTestClocks } from './test-clocks';
import { registerBillingPortal } from './billing-portal';
import { registerProducts } from './products';
import { registerEntitlements } from './entitlements';
import { registerTax } from './tax';
import { registerPortalConfigurations } from './portal-configurations';
import { registerMeters } from './meters';

/** All API routes of the emulator. */
export function buildRouter(): Router {
  const router = new Router();
  registerCustomers(router);
  registerProducts(router);
  registerEntitlements(router);
  registerPrices(router);
  registerCoupons(router);
  registerCheckoutSessions(router);
  registerSubscriptions(router);
  registerInvoices(router);
  registerPayments(router);
  registerEvents(router);
  registerTestClocks(router);
  registerBillingPortal(router);
  registerTax(router);
  registerPortalConfigurations(router);
  registerMeters(router);
  return router;
}
