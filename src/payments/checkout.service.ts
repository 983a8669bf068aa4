import { overageTerms } from '../plans/plan-overage';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { In, IsNull, Not, Repository } from 'typeorm';
import { AppError, ERROR_CATALOGUE, ErrorCode } from '../common/errors';
import { declineErrorCode } from '../common/errors/stripe-error.mapper';
import { appConfig, AppConfig } from '../config/app.config';
import { stripeConfig, StripeConfig } from '../config/stripe.config';
import { CreditsService } from '../credits/credits.service';
import type { CreditPackage } from '../plans/credit-package.entity';
import type { Plan } from '../plans/plan.entity';
import { PlansService } from '../plans/plans.service';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { refId } from '../stripe/stripe-refs';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { CheckoutCurrencyService } from './checkout-currency.service';
import { CheckoutFulfilmentService } from './checkout-fulfilment.service';
import { checkoutTaxParams } from './checkout-tax';
import { checkoutAmounts } from './tax-lines';
import { CheckoutSessionRecord } from './checkout-session.entity';
import { CustomerService } from './customer.service';
import type { CheckoutSessionCreatedDto, CreateCheckoutSessionDto } from './dto/checkout-request.dto';
import type { CheckoutSessionStatusDto } from './dto/subscription-response.dto';
import { TollgateMetrics } from '../metrics/metrics.service';
import { CheckoutLeases } from './checkout-leases.service';
import { SubscriptionManagementService } from './subscription-management.service';
import { SubscriptionSyncService } from './subscription-sync.service';
import { LIVE_STATUSES, Subscription, SubscriptionStatus } from './subscription.entity';

/** A declined attempt on a still-open session (Stripe keeps it on the PaymentIntent), as the spec's message. */
function lastPaymentError(session: Stripe.Checkout.Session): CheckoutSessionStatusDto['last_payment_error'] {
  const intent = typeof session.payment_intent === 'object' ? session.payment_intent : null;
  const error = intent?.last_payment_error;
  if (session.status !== 'open' || !error || error.type !== 'card_error') return null;
  const code = declineErrorCode(error.decline_code, error.code);
  return {
    code,
    message: ERROR_CATALOGUE[code].message,
    decline_code: error.decline_code ?? error.code ?? null,
  };
}

/** Statuses that block a new subscription checkout (SUBSCRIPTION_EXISTS): change plan or use the portal. */
const BLOCKING: SubscriptionStatus[] = LIVE_STATUSES;

/**
 * Stripe Checkout for plans (subscription mode) and credit packages (payment mode), and the owner-only
 * status read of a session that also applies it (the same fulfilment as the webhook).
 */
@Injectable()
export class CheckoutService {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    @Inject(stripeConfig.KEY) private readonly stripeSettings: StripeConfig,
    @InjectRepository(CheckoutSessionRecord) private readonly sessions: Repository<CheckoutSessionRecord>,
    @InjectRepository(Subscription) private readonly subscriptions: Repository<Subscription>,
    private readonly users: UsersService,
    private readonly plans: PlansService,
    private readonly customers: CustomerService,
    private readonly currencies: CheckoutCurrencyService,
    private readonly fulfilment: CheckoutFulfilmentService,
    private readonly sync: SubscriptionSyncService,
    private readonly credits: CreditsService,
    private readonly subscriptionViews: SubscriptionManagementService,
    private readonly metrics: TollgateMetrics,
    private readonly perUser: CheckoutLeases,
  ) {}

  /** `POST /payments/create-checkout-session`: a plan, with the plan's trial unless the user already had one. */
  async createSubscriptionCheckout(
    userId: string,
    dto: CreateCheckoutSessionDto,
  ): Promise<CheckoutSessionCreatedDto> {
    const plan = await this.resolvePlan(dto.price_id, dto.product_id);
    return this.perUser.run(userId, async () => {
      const user = await this.users.getById(userId);
      await this.assertNoLiveSubscription(user.id);
      const currency = await this.currencies.choose(
        user.id,
        plan,
        dto.currency,
        this.stripeSettings.automaticTax,
      );
      const trialDays = await this.trialDaysFor(user, plan);
      const hadCustomer = !!user.customerId;
      const customer = await this.customers.ensureCustomer(user);
      await this.expireOpenSubscriptionCheckouts(user.id);
      if (hadCustomer) await this.assertNoRemoteSubscription(customer);
      const session = await this.stripe.checkout.sessions.create({
        mode: 'subscription',
        customer,
        client_reference_id: user.id,
        // A plan with overage carries its metered price too: nothing to pay now, the period's usage on renewal.
        line_items: [
          { price: plan.priceId, quantity: 1 },
          ...(overageTerms(plan, currency) ? [{ price: plan.overage!.price_id }] : []),
        ],
        currency,
        metadata: { user_id: user.id },
        subscription_data: {
          metadata: { user_id: user.id },
          ...(trialDays > 0 ? { trial_period_days: trialDays } : {}),
        },
        ...checkoutTaxParams(this.stripeSettings.automaticTax),
        ...this.returnUrls(),
      });
      return this.record(session, user.id, plan.priceId, currency);
    });
  }

  /** `POST /payments/create-checkout-session-onetime`: a credit package, promotion codes allowed. */
  async createPackageCheckout(
    userId: string,
    dto: CreateCheckoutSessionDto,
  ): Promise<CheckoutSessionCreatedDto> {
    const pack = await this.resolvePackage(dto.price_id, dto.product_id);
    return this.perUser.run(userId, async () => {
      const user = await this.users.getById(userId);
      const currency = await this.currencies.choose(
        user.id,
        pack,
        dto.currency,
        this.stripeSettings.automaticTax,
      );
      const customer = await this.customers.ensureCustomer(user);
      const session = await this.stripe.checkout.sessions.create({
        mode: 'payment',
        customer,
        client_reference_id: user.id,
        line_items: [{ price: pack.priceId, quantity: 1 }],
        currency,
        allow_promotion_codes: true,
        metadata: { user_id: user.id },
        // The card is kept on the customer for later off-session payments (auto top-up).
        payment_intent_data: { metadata: { user_id: user.id }, setup_future_usage: 'off_session' },
        ...checkoutTaxParams(this.stripeSettings.automaticTax),
        ...this.returnUrls(),
      });
      return this.record(session, user.id, pack.priceId, currency);
    });
  }

  /** `GET /payments/checkout-session/:id`: the owner's session, applied (idempotently) and reported. */
  async status(userId: string, sessionId: string): Promise<CheckoutSessionStatusDto> {
    const owned = await this.sessions.findOne({ where: { id: sessionId, userId } });
    if (!owned) throw new AppError(ErrorCode.CheckoutSessionNotFound);
    await this.fulfilment.fulfilCheckoutSession(sessionId);
    const session = await this.stripe.checkout.sessions.retrieve(sessionId, {
      expand: ['payment_intent', 'line_items', 'line_items.data.taxes'],
    });
    const record = await this.sessions.findOneOrFail({ where: { id: sessionId, userId } });
    const subscriptionId = refId(session.subscription);
    const subscription =
      session.mode === 'subscription' && subscriptionId
        ? await this.subscriptionViews.describeById(userId, subscriptionId)
        : null;
    return {
      session_id: session.id,
      status: session.status,
      payment_status: session.payment_status,
      mode: session.mode,
      fulfilled: record.fulfilledAt !== null,
      subscription,
      credits: await this.credits.breakdown(userId),
      last_payment_error: lastPaymentError(session),
      amounts: checkoutAmounts(session),
    };
  }

  /** Operators' read: the user's checkout sessions still open here (not yet completed or expired). */
  async openSessions(
    userId: string,
  ): Promise<
    Array<{ session_id: string; mode: string; price_id: string; currency: string; created_at: string }>
  > {
    const rows = await this.sessions.find({
      where: { userId, status: 'open' },
      order: { createdAt: 'DESC' },
    });
    return rows.map((r) => ({
      session_id: r.id,
      mode: r.mode,
      price_id: r.priceId,
      currency: r.currency,
      created_at: r.createdAt.toISOString(),
    }));
  }

  // ------------------------------------------------------------------ catalog

  private async resolvePlan(priceId: string, productId: string): Promise<Plan> {
    const plan = await this.plans.findActivePlan(priceId, productId);
    if (plan) return plan;
    const byPrice = await this.plans.findPlanByPriceId(priceId);
    throw new AppError(byPrice?.active ? ErrorCode.ProductNotFound : ErrorCode.PriceNotFound);
  }

  private async resolvePackage(priceId: string, productId: string): Promise<CreditPackage> {
    const pack = await this.plans.findActivePackage(priceId, productId);
    if (pack) return pack;
    const byPrice = await this.plans.findPackageByPriceId(priceId);
    throw new AppError(byPrice?.active ? ErrorCode.ProductNotFound : ErrorCode.PriceNotFound);
  }

  // ------------------------------------------------------------------ rules

  /**
   * Our mirror says a subscription is live: confirm with Stripe before refusing, so a subscription that ended
   * while its webhook is still on the way does not block the user's next checkout.
   */
  private async assertNoLiveSubscription(userId: string): Promise<void> {
    const rows = await this.subscriptions.find({ where: { userId, status: In(BLOCKING) } });
    for (const row of rows) {
      const fresh = await this.sync.syncSubscription(row.id);
      if (!fresh || (BLOCKING as string[]).includes(fresh.status))
        throw new AppError(ErrorCode.SubscriptionExists);
    }
  }

  /**
   * Stripe may know a subscription our mirror does not have yet (its webhook still on the way): ask Stripe,
   * mirror what it says, and refuse a second subscription.
   */
  private async assertNoRemoteSubscription(customer: string): Promise<void> {
    const remote = await this.stripe.subscriptions.list({ customer, status: 'all', limit: 20 });
    const live = remote.data.find((s) => (BLOCKING as string[]).includes(s.status));
    if (!live) return;
    await this.sync.syncSubscription(live.id);
    throw new AppError(ErrorCode.SubscriptionExists);
  }

  /** One trial per user: none if they already had one (flag set by fulfilment, or any row with a trial). */
  private async trialDaysFor(user: User, plan: Plan): Promise<number> {
    if (plan.trialDays <= 0 || user.trialUsedAt) return 0;
    const hadTrial = await this.subscriptions.exists({ where: { userId: user.id, trialEnd: Not(IsNull()) } });
    return hadTrial ? 0 : plan.trialDays;
  }

  // ------------------------------------------------------------------ sessions

  /** Two tabs must not create two subscriptions: earlier open subscription checkouts are closed first. */
  private async expireOpenSubscriptionCheckouts(userId: string): Promise<void> {
    const open = await this.sessions.find({ where: { userId, mode: 'subscription', status: 'open' } });
    for (const { id } of open) {
      let status: string;
      try {
        status = (await this.stripe.checkout.sessions.expire(id)).status ?? 'expired';
      } catch (err) {
        // Not open any more (completed or expired meanwhile): record what Stripe says it is.
        if (!(err instanceof Stripe.errors.StripeInvalidRequestError)) throw err;
        status = (await this.stripe.checkout.sessions.retrieve(id)).status ?? 'expired';
      }
      await this.sessions.update({ id, status: 'open' }, { status });
    }
  }

  private returnUrls(): { success_url: string; cancel_url: string } {
    return {
      success_url: `${this.app.frontendUrl}/payments/success?session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${this.app.frontendUrl}/payments/cancel`,
    };
  }

  private async record(
    session: Stripe.Checkout.Session,
    userId: string,
    priceId: string,
    currency: string,
  ): Promise<CheckoutSessionCreatedDto> {
    await this.sessions
      .createQueryBuilder()
      .insert()
      .values({ id: session.id, userId, mode: session.mode as 'subscription' | 'payment', priceId, currency })
      .orIgnore()
      .execute();
    this.metrics.checkoutCreated(session.mode);
    if (!session.url) throw new AppError(ErrorCode.PaymentProviderError);
    return { checkout_url: session.url, session_id: session.id };
  }
}
