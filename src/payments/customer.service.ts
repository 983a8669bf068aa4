import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors';
import { appConfig, AppConfig } from '../config/app.config';
import { demoConfig, DemoConfig } from '../config/demo.config';
import { stripeConfig, StripeConfig } from '../config/stripe.config';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import type { BillingPortalSessionDto } from './dto/invoices.dto';

const PORTAL_CONFIGURATION_VERSION = 'billing-details-v1';

/** The caller's Stripe customer: created once per user, and the billing portal on it. */
@Injectable()
export class CustomerService {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    @Inject(demoConfig.KEY) private readonly demo: DemoConfig,
    @Inject(stripeConfig.KEY) private readonly stripeSettings: StripeConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
  ) {}

  /**
   * The user's Stripe customer id, creating the customer on first use. Racing callers send the same Stripe
   * idempotency key, so Stripe answers both with one customer, and the id is stored only if none is set yet.
   */
  async ensureCustomer(user: User): Promise<string> {
    if (user.customerId) return user.customerId;
    const customer = await this.stripe.customers.create(
      {
        email: user.email ?? undefined,
        metadata: { user_id: user.id },
        ...(await this.demoTestClock(user.id)),
      },
      { idempotencyKey: `customer:${user.id}` },
    );
    const id = await this.users.attachCustomerId(this.db.manager, user.id, customer.id);
    user.customerId = id;
    return id;
  }

  /**
   * With DEMO_TIME_TRAVEL on the emulator, each new customer gets its own test clock (Stripe attaches one only at
   * creation), so /dev/time-travel can move that user's billing time and nobody else's.
   */
  private async demoTestClock(userId: string): Promise<{ test_clock?: string }> {
    if (!this.demo.timeTravel || this.stripeSettings.mode !== 'emulator') return {};
    const clock = await this.stripe.testHelpers.testClocks.create(
      { frozen_time: Math.floor(Date.now() / 1000), name: `tollgate-user-${userId}` },
      { idempotencyKey: `test-clock:${userId}` },
    );
    return { test_clock: clock.id };
  }

  /** The user's Stripe customer id, or null (no such user, or no customer yet). Never creates one. */
  async customerIdOf(userId: string): Promise<string | null> {
    return (await this.users.findById(userId))?.customerId ?? null;
  }

  /** The Tollgate user whose Stripe customer this is, or null. */
  userIdOf(customerId: string): Promise<string | null> {
    return this.users.resolveStripeOwner(this.db.manager, null, customerId);
  }

  /** The user's customer id; 404 CUSTOMER_NOT_FOUND when they never started a purchase. */
  async requireCustomerId(userId: string): Promise<string> {
    const user = await this.users.getById(userId);
    if (!user.customerId) throw new AppError(ErrorCode.CustomerNotFound);
    return user.customerId;
  }

  /** A Stripe billing portal session on the caller's own customer (never one named by the client). */
  async createPortalSession(userId: string): Promise<BillingPortalSessionDto> {
    const customer = await this.requireCustomerId(userId);
    const session = await this.stripe.billingPortal.sessions.create({
      customer,
      return_url: `${this.app.frontendUrl}/account`,
      configuration: await this.portalConfiguration(),
    });
    return { url: session.url };
  }

  private portalConfigurationId?: Promise<string>;

  /**
   * The portal configuration Tollgate's sessions use: customers may update their name, email, billing address
   * and tax IDs (mirrored back by the customer.* webhooks), see invoices, update their card and cancel at
   * period end. Found by its metadata, created once per account; remembered by the process.
   */
  private portalConfiguration(): Promise<string> {
    this.portalConfigurationId ??= (async () => {
      const existing = await this.stripe.billingPortal.configurations.list({ active: true, limit: 100 });
      const ours = existing.data.find((c) => c.metadata?.tollgate === PORTAL_CONFIGURATION_VERSION);
      if (ours) return ours.id;
      const created = await this.stripe.billingPortal.configurations.create(
        {
          features: {
            customer_update: { enabled: true, allowed_updates: ['name', 'email', 'address', 'tax_id'] },
            invoice_history: { enabled: true },
            payment_method_update: { enabled: true },
            subscription_cancel: { enabled: true, mode: 'at_period_end' },
          },
          metadata: { tollgate: PORTAL_CONFIGURATION_VERSION },
        },
        { idempotencyKey: `portal-configuration:${PORTAL_CONFIGURATION_VERSION}` },
      );
      return created.id;
    })().catch((err: unknown) => {
      this.portalConfigurationId = undefined;
      throw err;
    });
    return this.portalConfigurationId;
  }
}
