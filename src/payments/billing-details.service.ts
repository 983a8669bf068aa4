import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource, EntityManager, In } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors';
import { stripeConfig, StripeConfig } from '../config/stripe.config';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { UsersService } from '../users/users.service';
import { BillingDetails, type StoredTaxId } from './billing-details.entity';
import { CustomerService } from './customer.service';
import type { BillingDetailsDto, BillingDetailsResponseDto } from './dto/billing-details.dto';
import { LIVE_STATUSES, Subscription } from './subscription.entity';
import { normalizeTaxId, TAX_ID_TYPES, taxIdProblem } from './tax-id-formats';

type Address = Stripe.AddressParam;

const blank = (v: string | null | undefined): string | null => (v?.trim() ? v.trim() : null);

/** The mirror row of a Stripe customer's billing details. Pure: Stripe objects in, row fields out. */
export function billingRowOf(
  customer: Stripe.Customer,
  taxIds: readonly Stripe.TaxId[],
): Omit<BillingDetails, 'userId' | 'updatedAt' | 'user'> {
  const a = customer.address;
  return {
    customerId: customer.id,
    name: customer.name ?? null,
    line1: a?.line1 ?? null,
    line2: a?.line2 ?? null,
    city: a?.city ?? null,
    state: a?.state ?? null,
    postalCode: a?.postal_code ?? null,
    country: a?.country ? a.country.toUpperCase() : null,
    taxIds: taxIds.map((t) => ({ type: t.type, value: t.value, id: t.id })),
  };
}

/**
 * `GET/PUT /payments/billing-details`: the caller's billing name, address and tax IDs. Stored on their Stripe
 * customer (created if they have none yet), which Stripe Tax and invoices use, and mirrored in
 * `billing_details`. Input is checked first (country, tax ID types and formats): a bad request changes nothing.
 */
@Injectable()
export class BillingDetailsService {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(stripeConfig.KEY) private readonly stripeSettings: StripeConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly users: UsersService,
    private readonly customers: CustomerService,
  ) {}

  async get(userId: string): Promise<BillingDetailsResponseDto> {
    const row = await this.db.getRepository(BillingDetails).findOneBy({ userId });
    return toView(row);
  }

  async put(userId: string, dto: BillingDetailsDto): Promise<BillingDetailsResponseDto> {
    const address = this.checkAddress(dto.address);
    const taxIds = this.checkTaxIds(dto.tax_ids ?? []);
    if (!address && this.stripeSettings.automaticTax && (await this.hasLiveSubscription(userId))) {
      // Its renewals are taxed from this address: without one Stripe could not finalize them.
      throw new AppError(ErrorCode.BillingAddressRequired);
    }
    const user = await this.users.getById(userId);
    const customerId = await this.customers.ensureCustomer(user);

    // Stripe first (it may still refuse, e.g. an address Stripe Tax cannot locate): nothing local changes then.
    const customer = await this.stripe.customers.update(customerId, {
      name: blank(dto.name) ?? '',
      address: address ?? '',
      ...(this.stripeSettings.automaticTax && address ? { tax: { validate_location: 'immediately' } } : {}),
    });
    const existing = await this.stripe.customers.listTaxIds(customerId, { limit: 100 });
    const kept = existing.data.filter((t) => taxIds.some((w) => w.type === t.type && w.value === t.value));
    for (const wanted of taxIds) {
      if (kept.some((t) => t.type === wanted.type && t.value === wanted.value)) continue;
      kept.push(
        await this.stripe.customers.createTaxId(customerId, {
          type: wanted.type,
          value: wanted.value,
        }),
      );
    }
    for (const stale of existing.data.filter((t) => !kept.includes(t))) {
      await this.stripe.customers.deleteTaxId(customerId, stale.id);
    }
    await this.db.transaction((m) => this.store(m, userId, customer, kept));
    return this.get(userId);
  }

  /**
   * Stripe changed a customer's billing details (billing portal, Checkout's customer_update, the dashboard):
   * read them now (outside any transaction) and return the write that mirrors them, for the event's commit.
   */
  async prepareRefresh(customerId: string): Promise<((m: EntityManager) => Promise<void>) | undefined> {
    let customer: Stripe.Customer | Stripe.DeletedCustomer;
    try {
      customer = await this.stripe.customers.retrieve(customerId);
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) return undefined;
      throw err;
    }
    if (customer.deleted) return undefined;
    const taxIds = await this.stripe.customers.listTaxIds(customerId, { limit: 100 });
    return async (m) => {
      const userId = await this.users.resolveStripeOwner(m, customer.metadata?.user_id, customerId);
      if (userId) await this.store(m, userId, customer, taxIds.data);
    };
  }

  private async store(
    m: EntityManager,
    userId: string,
    customer: Stripe.Customer,
    taxIds: readonly Stripe.TaxId[],
  ): Promise<void> {
    await m.getRepository(BillingDetails).upsert({ userId, ...billingRowOf(customer, taxIds) }, ['userId']);
  }

  private hasLiveSubscription(userId: string): Promise<boolean> {
    return this.db.getRepository(Subscription).exists({ where: { userId, status: In(LIVE_STATUSES) } });
  }

  private checkAddress(address: BillingDetailsDto['address']): Address | null {
    if (!address) return null;
    const country = blank(address.country)?.toUpperCase();
    if (!country || !/^[A-Z]{2}$/.test(country)) throw new AppError(ErrorCode.AddressCountryRequired);
    return {
      line1: blank(address.line1) ?? '',
      line2: blank(address.line2) ?? '',
      city: blank(address.city) ?? '',
      state: blank(address.state)?.toUpperCase() ?? '',
      postal_code: blank(address.postal_code) ?? '',
      country,
    };
  }

  private checkTaxIds(
    taxIds: Array<{ type: string; value: string }>,
  ): Array<{ type: string; value: string }> {
    return taxIds.map(({ type, value }) => {
      const problem = taxIdProblem(type, value);
      if (problem === 'type') {
        throw new AppError(ErrorCode.TaxIdTypeUnsupported, undefined, { allowed: TAX_ID_TYPES });
      }
      if (problem === 'value') throw new AppError(ErrorCode.TaxIdInvalid);
      return { type, value: normalizeTaxId(type, value) };
    });
  }
}

function toView(row: BillingDetails | null): BillingDetailsResponseDto {
  if (!row) return { name: null, address: null, tax_ids: [] };
  return {
    name: row.name,
    address: row.country
      ? {
          line1: row.line1,
          line2: row.line2,
          city: row.city,
          state: row.state,
          postal_code: row.postalCode,
          country: row.country,
        }
      : null,
    tax_ids: row.taxIds.map((t: StoredTaxId) => ({ type: t.type, value: t.value })),
  };
}
