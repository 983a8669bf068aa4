import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import { CheckoutFulfilmentService } from '../../payments/checkout-fulfilment.service';
import { NOTIFIER, type Notifier } from '../../payments/notifier';
import { PaymentMethodService } from '../../payments/payment-method.service';
import { TollgateMetrics } from '../../metrics/metrics.service';
import { OnStripeEvent } from '../on-stripe-event.decorator';
import type { StripeEventContext } from '../stripe-event-context';

type SessionEvent = Stripe.Event & { data: { object: Stripe.Checkout.Session } };

/** checkout.session.*: fulfil once paid (re-read from Stripe), or mark a failed delayed payment. */
@Injectable()
export class CheckoutHandler {
  constructor(
    private readonly checkouts: CheckoutFulfilmentService,
    @Inject(NOTIFIER) private readonly notifier: Notifier,
    private readonly metrics: TollgateMetrics,
    private readonly paymentMethods: PaymentMethodService,
  ) {}

  /** Payment and subscription mode, once paid or when no payment is required; a delayed payment (bank debit) that cleared. */
  @OnStripeEvent('checkout.session.completed', 'checkout.session.async_payment_succeeded')
  async fulfil(ctx: StripeEventContext<SessionEvent>): Promise<void> {
    // Setup mode ("save a card"): its card becomes the customer's default; nothing to fulfil.
    if (ctx.event.data.object.mode === 'setup') {
      const session = await this.paymentMethods.retrieveSession(ctx.event.data.object.id);
      return this.paymentMethods.adoptSetupSession(session);
    }
    const prepared = await this.checkouts.prepareCheckout(ctx.event.data.object.id);
    await ctx.commit((m) => this.checkouts.applyCheckout(m, prepared));
  }

  /** A delayed payment failed: nothing is granted; the session is marked and the customer told. */
  @OnStripeEvent('checkout.session.async_payment_failed')
  async paymentFailed(ctx: StripeEventContext<SessionEvent>): Promise<void> {
    const session = ctx.event.data.object;
    const userId = await ctx.commit((m) => this.checkouts.markCheckoutFailed(m, session));
    if (userId) this.metrics.payment(null, 'failed', 'checkout');
    if (userId) await this.notifier.notify({ kind: 'async_payment_failed', userId, reference: session.id });
  }
}
