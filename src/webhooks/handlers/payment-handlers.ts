import { ChargeDisputeClosedHandler } from './charge-dispute-closed.handler';
import { ChargeDisputeCreatedHandler } from './charge-dispute-created.handler';
import { ChargeRefundedHandler } from './charge-refunded.handler';
import { CheckoutSessionAsyncPaymentFailedHandler } from './checkout-session-async-payment-failed.handler';
import { CheckoutSessionAsyncPaymentSucceededHandler } from './checkout-session-async-payment-succeeded.handler';
import { CheckoutSessionCompletedHandler } from './checkout-session-completed.handler';
import { CustomerSubscriptionCreatedHandler } from './customer-subscription-created.handler';
import { CustomerSubscriptionDeletedHandler } from './customer-subscription-deleted.handler';
import { CustomerSubscriptionTrialWillEndHandler } from './customer-subscription-trial-will-end.handler';
import { CustomerSubscriptionUpdatedHandler } from './customer-subscription-updated.handler';
import { DisputeEffects } from './dispute-effects';
import { InvoicePaidHandler } from './invoice-paid.handler';
import { InvoicePaymentFailedHandler } from './invoice-payment-failed.handler';
import { SubscriptionMirror } from './subscription-mirror';

/** One handler per payment event type, plus the two helpers they share. */
export const PAYMENT_HANDLERS = [
  CheckoutSessionCompletedHandler,
  CheckoutSessionAsyncPaymentSucceededHandler,
  CheckoutSessionAsyncPaymentFailedHandler,
  InvoicePaidHandler,
  InvoicePaymentFailedHandler,
  CustomerSubscriptionCreatedHandler,
  CustomerSubscriptionUpdatedHandler,
  CustomerSubscriptionDeletedHandler,
  CustomerSubscriptionTrialWillEndHandler,
  ChargeRefundedHandler,
  ChargeDisputeCreatedHandler,
  ChargeDisputeClosedHandler,
  SubscriptionMirror,
  DisputeEffects,
];
