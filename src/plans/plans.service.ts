import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors';
import { formatMinorUnits, normalizeCurrency } from '../common/money';
import { PRODUCT_TYPES, ProductsQueryDto, ProductType } from './dto/products-query.dto';
import { ProductDto, ProductsResponseDto } from './dto/products-response.dto';
import type { AdminCatalogDto, CatalogEntryDto } from './dto/admin-catalog.dto';
import { FreePlan } from './free-plan.entity';
import { CreditPackage } from './credit-package.entity';
import { Plan } from './plan.entity';
import { entitles } from './plan-features';

/**
 * Safety net only: this process's own catalog writes invalidate at once, and other processes' writes (another
 * replica's webhook, the catalog:sync CLI) reach it at commit through PostgreSQL NOTIFY (CatalogChangeListener).
 * The TTL bounds staleness if that notice is ever lost.
 */
export const CATALOG_CACHE_TTL_MS = 60_000;

interface CatalogView {
  plans: Plan[];
  packages: CreditPackage[];
  freePlan: FreePlan | null;
  currencies: string[];
  responses: Map<string, ProductsResponseDto>;
  expiresAt: number;
}

const ORDER = { displayOrder: 'ASC', unitAmount: 'ASC', id: 'ASC' } as const;

/** The catalog as the rest of the app sees it: what is for sale, at which amounts, and the public product list. */
@Injectable()
export class PlansService {
  private view?: CatalogView;
  private loading?: Promise<CatalogView>;
  private generation = 0;

  constructor(
    @InjectRepository(Plan) private readonly plans: Repository<Plan>,
    @InjectRepository(CreditPackage) private readonly packages: Repository<CreditPackage>,
    @InjectRepository(FreePlan) private readonly freePlans: Repository<FreePlan>,
  ) {}

  /** The catalog's free plan (the newest active one), inside the caller's transaction; null when none. */
  freePlanIn(m: EntityManager): Promise<FreePlan | null> {
    return m.getRepository(FreePlan).findOne({ where: { active: true }, order: { updatedAt: 'DESC' } });
  }

  /** The free plan as this process's catalog view has it (cached like the product list). */
  async freePlan(): Promise<FreePlan | null> {
    return (await this.current()).freePlan;
  }

  /** The first plan for sale (display order, then price) whose features grant `feature`; null when none does. */
  async planGranting(feature: string): Promise<Plan | null> {
    return (await this.current()).plans.find((p) => entitles(p.features?.[feature])) ?? null;
  }

  /** The plan on sale under this price and product, or null (unknown, archived, or a mismatched pair). */
  findActivePlan(priceId: string, productId: string): Promise<Plan | null> {
    return this.plans.findOneBy({ priceId, productId, active: true });
  }

  findActivePackage(priceId: string, productId: string): Promise<CreditPackage | null> {
    return this.packages.findOneBy({ priceId, productId, active: true });
  }

  /** Any plan ever synced under this price, archived included (existing subscriptions keep resolving). */
  findPlanByPriceId(priceId: string): Promise<Plan | null> {
    return this.plans.findOneBy({ priceId });
  }

  /** Every price a plan bills its overage with (archived plans included): an invoice line at one is overage. */
  async overagePriceIds(): Promise<Set<string>> {
    const rows: Array<{ id: string }> = await this.plans.query(
      `SELECT DISTINCT overage->>'price_id' AS id FROM plans WHERE overage IS NOT NULL`,
    );
    return new Set(rows.map((r) => r.id));
  }

  findPackageByPriceId(priceId: string): Promise<CreditPackage | null> {
    return this.packages.findOneBy({ priceId });
  }

  /** findPlanByPriceId inside the caller's transaction. */
  planForPrice(m: EntityManager, priceId: string): Promise<Plan | null> {
    return m.getRepository(Plan).findOneBy({ priceId });
  }

  /** findPackageByPriceId inside the caller's transaction. */
  packageForPrice(m: EntityManager, priceId: string): Promise<CreditPackage | null> {
    return m.getRepository(CreditPackage).findOneBy({ priceId });
  }

  /** The item's price in minor units of `currency`: its base amount or a currency option; undefined if not sold in it. */
  amountIn(item: Plan | CreditPackage, currency: string): number | undefined {
    const c = currency.toLowerCase();
    if (item.currency === c) return item.unitAmount;
    const option = item.currencyOptions?.[c];
    return typeof option === 'number' ? option : undefined;
  }

  /** Currencies at least one item for sale is priced in, sorted. */
  async supportedCurrencies(): Promise<string[]> {
    return (await this.current()).currencies;
  }

  /** Drops the in-process cache; the next read reloads from the database. */
  invalidate(): void {
    this.generation++;
    this.view = undefined;
    this.loading = undefined;
  }

  /** The spec's `GET /payments/products` answer, plus the credits each product grants. */
  async listProducts(query: ProductsQueryDto): Promise<ProductsResponseDto> {
    const type = query.product_type?.trim().toLowerCase();
    if (!type || !(PRODUCT_TYPES as readonly string[]).includes(type)) {
      throw new AppError(
        ErrorCode.InvalidProductType,
        `product_type must be one of: ${PRODUCT_TYPES.join(', ')}${type ? ` (got "${query.product_type}")` : ''}.`,
        { allowed: [...PRODUCT_TYPES] },
      );
    }
    const view = await this.current();
    let currency: string | undefined;
    if (query.currency !== undefined) {
      currency = normalizeCurrency(query.currency);
      if (!currency || !view.currencies.includes(currency)) {
        throw new AppError(
          ErrorCode.UnsupportedCurrency,
          `currency must be one of: ${view.currencies.join(', ') || '(none: the catalog is empty)'} (got "${query.currency}").`,
          { allowed: view.currencies },
        );
      }
    }
    const key = `${type}:${currency ?? ''}`;
    let response = view.responses.get(key);
    if (!response) {
      response = {
        products: this.toProducts(view, type as ProductType, currency),
        currencies: view.currencies,
      };
      view.responses.set(key, response);
    }
    return response;
  }

  private toProducts(view: CatalogView, type: ProductType, currency: string | undefined): ProductDto[] {
    const items: Array<Plan | CreditPackage> = type === 'subscription' ? view.plans : view.packages;
    const out: ProductDto[] = [];
    for (const item of items) {
      const c = currency ?? item.currency;
      const amount = this.amountIn(item, c);
      if (amount === undefined) continue;
      const plan = item instanceof Plan ? item : undefined;
      out.push({
        id: item.productId,
        name: item.productName,
        description: item.description,
        credits: plan ? plan.monthlyUses : (item as CreditPackage).usesAmount,
        trial_days: plan ? plan.trialDays : null,
        price: {
          price_id: item.priceId,
          unit_amount: formatMinorUnits(amount, c),
          currency: c,
          recurring: plan ? { interval: plan.interval, interval_count: plan.intervalCount } : null,
        },
      });
    }
    return out;
  }

  /** GET /admin/catalog: every plan and package as synced, on sale first, with each currency's amount. */
  async adminCatalog(): Promise<AdminCatalogDto> {
    const order = { active: 'DESC', ...ORDER } as const;
    const [plans, packages] = await Promise.all([this.plans.find({ order }), this.packages.find({ order })]);
    const entry = (
      item: Plan | CreditPackage,
    ): Omit<
      CatalogEntryDto,
      'credits' | 'interval' | 'interval_count' | 'trial_days' | 'expires_in_days'
    > => ({
      price_id: item.priceId,
      product_id: item.productId,
      name: item.productName,
      description: item.description,
      active: item.active,
      prices: [
        { currency: item.currency, unit_amount: item.unitAmount },
        ...Object.entries(item.currencyOptions ?? {})
          .filter(([currency]) => currency !== item.currency)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([currency, unit_amount]) => ({ currency, unit_amount })),
      ],
      updated_at: item.updatedAt.toISOString(),
    });
    return {
      plans: plans.map((p) => ({
        ...entry(p),
        credits: p.monthlyUses,
        interval: p.interval,
        interval_count: p.intervalCount,
        trial_days: p.trialDays,
        expires_in_days: null,
      })),
      packages: packages.map((p) => ({
        ...entry(p),
        credits: p.usesAmount,
        interval: null,
        interval_count: null,
        trial_days: null,
        expires_in_days: p.expiresInDays,
      })),
    };
  }

  /** The cached view of what is for sale; concurrent callers share one load, and a load raced by invalidate() is not kept. */
  private async current(): Promise<CatalogView> {
    if (this.view && this.view.expiresAt > Date.now()) return this.view;
    if (!this.loading) {
      const generation = this.generation;
      const loading = this.load().then(
        (view) => {
          if (this.generation === generation) this.view = view;
          if (this.loading === loading) this.loading = undefined;
          return view;
        },
        (err: unknown) => {
          if (this.loading === loading) this.loading = undefined;
          throw err;
        },
      );
      this.loading = loading;
    }
    return this.loading;
  }

  private async load(): Promise<CatalogView> {
    const [plans, packages, freePlan] = await Promise.all([
      this.plans.find({ where: { active: true }, order: ORDER }),
      this.packages.find({ where: { active: true }, order: ORDER }),
      this.freePlans.findOne({ where: { active: true }, order: { updatedAt: 'DESC' } }),
    ]);
    const currencies = new Set<string>();
    for (const item of [...plans, ...packages]) {
      currencies.add(item.currency);
      for (const c of Object.keys(item.currencyOptions ?? {})) currencies.add(c);
    }
    return {
      plans,
      packages,
      freePlan,
      currencies: [...currencies].sort(),
      responses: new Map(),
      expiresAt: Date.now() + CATALOG_CACHE_TTL_MS,
    };
  }
}
