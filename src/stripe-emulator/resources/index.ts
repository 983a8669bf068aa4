import { Router } from '../router';
import { registerCheckoutSessions } from './checkout-sessions';
import { registerCoupons } from './coupons';
import { registerCustomers } from './customers';
import { registerPrices } from './prices';
import { registerProducts } from './products';

/** All API routes of the emulator. */
export function buildRouter(): Router {
  const router = new Router();
  registerCustomers(router);
  registerProducts(router);
  registerPrices(router);
  registerCoupons(router);
  registerCheckoutSessions(router);
  return router;
}
