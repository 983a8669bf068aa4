import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { AppError, ErrorCode } from '../common/errors';
import { appConfig, AppConfig } from '../config/app.config';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { UsersService } from '../users/users.service';
import { CustomerService } from './customer.service';
import type { PaymentMethodDto } from './dto/payment-method.dto';
import type { CheckoutSessionCreatedDto } from './dto/checkout-request.dto';
import { refId } from './stripe-refs';

/** What the API shows of a card: never its number, only brand, last four digits and expiry. */
export function cardOf(pm: Stripe.PaymentMethod): PaymentMethodDto | null {
  if (pm.type !== 'card' || !pm.card) return null;
  return {
    id: pm.id,
    brand: pm.card.brand,
    last4: pm.card.last4,
    exp_month: pm.card.exp_month,
    exp_year: pm.card.exp_year,
  };
}

/**
 * The customer's saved card, kept on their Stripe customer for later off-session payments (auto top-up): saved
 * by a pack checkout (`setup_future_usage: off_session`), a plan checkout (the subscription's default) or a
 * setup-mode Checkout; read from Stripe (the card is Stripe's, never stored here); removable.
 */
@Injectable()
export class PaymentMethodService {
  private readonly logger = new Logger('PaymentMethods');

  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    private readonly users: UsersService,
    private readonly customers: CustomerService,
  ) {}

  /**
   * The card an off-session payment would use: the customer's invoice default, else their newest saved card;
   * null without a customer or a card.
   */
  async savedCard(
    userId: string,
  ): Promise<(PaymentMethodDto & { customer: string; currency: string | null }) | null> {
    const user = await this.users.getById(userId);
    if (!user.customerId) return null;
    const customer = await this.stripe.customers.retrieve(user.customerId, {
      expand: ['invoice_settings.default_payment_method'],
    });
    if ('deleted' in customer && customer.deleted) return null;
    const live = customer as Stripe.Customer;
    const fallback = async () =>
      (await this.stripe.customers.listPaymentMethods(live.id, { type: 'card', limit: 1 })).data[0];
    const def = live.invoice_settings?.default_payment_method;
    const pm = def && typeof def === 'object' ? def : await fallback();
    const card = pm ? cardOf(pm) : null;
    return card ? { ...card, customer: live.id, currency: live.currency ?? null } : null;
  }

  /** `GET /payments/payment-method`: 404 PAYMENT_METHOD_NOT_FOUND without a saved card. */
  async describe(userId: string): Promise<PaymentMethodDto> {
    const card = await this.savedCard(userId);
    if (!card) throw new AppError(ErrorCode.PaymentMethodNotFound);
    return {
      id: card.id,
      brand: card.brand,
      last4: card.last4,
      exp_month: card.exp_month,
      exp_year: card.exp_year,
    };
  }

  /** `POST /payments/payment-method/setup`: a setup-mode Checkout that saves a card and charges nothing. */
  async createSetupCheckout(userId: string): Promise<CheckoutSessionCreatedDto> {
    const user = await this.users.getById(userId);
    const customer = await this.customers.ensureCustomer(user);
    const session = await this.stripe.checkout.sessions.create({
      mode: 'setup',
      customer,
      currency: (await this.currencyOf(customer)) ?? 'usd',
      client_reference_id: user.id,
      metadata: { user_id: user.id, purpose: 'save_card' },
      setup_intent_data: { metadata: { user_id: user.id } },
      success_url: `${this.app.frontendUrl}/payments/payment-method?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${this.app.frontendUrl}/payments/payment-method`,
    });
    return { checkout_url: session.url!, session_id: session.id };
  }

  /** `DELETE /payments/payment-method`: detaches every saved card (nothing is charged off-session after). */
  async remove(userId: string): Promise<void> {
    const user = await this.users.getById(userId);
    if (!user.customerId) throw new AppError(ErrorCode.PaymentMethodNotFound);
    const cards = await this.stripe.customers.listPaymentMethods(user.customerId, {
      type: 'card',
      limit: 100,
    });
    if (cards.data.length === 0) throw new AppError(ErrorCode.PaymentMethodNotFound);
    for (const pm of cards.data) await this.stripe.paymentMethods.detach(pm.id);
  }

  /**
   * A setup-mode Checkout completed (checkout.session.completed): its card becomes the customer's invoice
   * default, the one off-session payments use. Idempotent (setting the same default again changes nothing).
   */
  async adoptSetupSession(session: Stripe.Checkout.Session): Promise<void> {
    const setupIntentId = refId(session.setup_intent);
    const customer = refId(session.customer);
    if (session.mode !== 'setup' || session.status !== 'complete' || !setupIntentId || !customer) return;
    const setupIntent = await this.stripe.setupIntents.retrieve(setupIntentId);
    const pm = refId(setupIntent.payment_method);
    if (setupIntent.status !== 'succeeded' || !pm) return;
    await this.stripe.customers.update(customer, { invoice_settings: { default_payment_method: pm } });
    this.logger.log(`checkout ${session.id}: saved card ${pm} is the default of ${customer}`);
  }

  /** The session as Stripe has it now (a webhook's snapshot may be stale). */
  retrieveSession(id: string): Promise<Stripe.Checkout.Session> {
    return this.stripe.checkout.sessions.retrieve(id);
  }

  /** The currency of the customer's earlier purchases, if any (a setup session needs one). */
  private async currencyOf(customer: string): Promise<string | null> {
    const c = await this.stripe.customers.retrieve(customer);
    return 'deleted' in c && c.deleted ? null : ((c as Stripe.Customer).currency ?? null);
  }
}
