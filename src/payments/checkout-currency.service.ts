import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { rows } from '../common/db/sql';
import { AppError, ErrorCode } from '../common/errors';
import { normalizeCurrency } from '../common/money';
import type { CreditPackage } from '../plans/credit-package.entity';
import type { Plan } from '../plans/plan.entity';
import { localCurrency } from './country-currency';

/** Which currency a checkout is in: one per billing account, and only currencies the price is sold in. */
@Injectable()
export class CheckoutCurrencyService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The checkout currency: the requested one if the price is sold in it, else the user's established currency
   * (a Stripe customer holds one), else the price's base currency. A request in another currency than the
   * user's earlier subscriptions/purchases is refused before anything is created at Stripe.
   */
  async choose(
    userId: string,
    item: Plan | CreditPackage,
    requested?: string,
    /** with tax on: refuse a requested currency other than the billing country's, where the item sells that one */
    matchBillingCountry = false,
  ): Promise<string> {
    const supported = [item.currency, ...Object.keys(item.currencyOptions ?? {})].map((c) => c.toLowerCase());
    const established = await this.established(userId);
    if (requested !== undefined) {
      const currency = normalizeCurrency(requested);
      if (!currency || !supported.includes(currency)) {
        throw new AppError(
          ErrorCode.UnsupportedCurrency,
          `This price is sold in: ${supported.join(', ')} (got "${requested}").`,
          { allowed: supported },
        );
      }
      if (established.some((c) => c !== currency)) throw this.currencyMismatch(established[0]);
      if (matchBillingCountry) await this.assertCountryCurrency(userId, currency, supported);
      return currency;
    }
    if (established.length === 0) return item.currency.toLowerCase();
    const [own] = established;
    if (established.length > 1 || !supported.includes(own)) throw this.currencyMismatch(own);
    return own;
  }

  /** The billing country pays in a currency the item is sold in, and the request asks for another one. */
  private async assertCountryCurrency(userId: string, currency: string, supported: string[]): Promise<void> {
    const rows: Array<{ country: string | null }> = await this.db.query(
      'SELECT country FROM billing_details WHERE user_id = $1',
      [userId],
    );
    const local = localCurrency(rows[0]?.country);
    if (!local || local === currency || !supported.includes(local)) return;
    throw new AppError(
      ErrorCode.CurrencyCountryMismatch,
      `Your billing country (${rows[0].country}) pays in ${local.toUpperCase()}, and this item is sold in it.`,
      { allowed: [local] },
    );
  }

  private currencyMismatch(currency: string): AppError {
    return new AppError(
      ErrorCode.CurrencyMismatch,
      `Your billing account uses ${currency.toUpperCase()}; purchases must use that currency.`,
      { currency },
    );
  }

  private async established(userId: string): Promise<string[]> {
    const used = await rows<{ currency: string }>(
      this.db,
      `SELECT DISTINCT lower(currency) AS currency FROM (
         SELECT currency FROM subscriptions WHERE user_id = $1 AND currency IS NOT NULL
         UNION ALL
         SELECT currency FROM checkout_sessions WHERE user_id = $1 AND fulfilled_at IS NOT NULL
       ) used ORDER BY 1`,
      [userId],
    );
    return used.map((r) => r.currency.trim());
  }
}
