import Stripe from 'stripe';
import {
  overageLookupKey,
  perCreditDecimal,
  type CatalogFile,
  type CatalogFreePlan,
  type CatalogPlan,
} from './catalog-file';
import {
  featureName,
  metadataFor,
  metadataPatch,
  otherAmounts,
  OWNED_KEYS,
  sameMoney,
  taxBehaviorChange,
  taxBehaviorOf,
  type Item,
} from './catalog-push-rules';
import { refId } from '../stripe/stripe-refs';
import { listAllPrices, listAllProducts } from './catalog-stripe-reads';
import { encodeLimits, FEATURE_LIMITS_METADATA_KEY, grantedFlags, type PlanFeatures } from './plan-features';

export interface PushResult {
  version: number;
  /** lookup keys, by what happened to them */
  created: string[];
  updated: string[];
  /** amounts or billing changed: a new price took over the lookup key, the old one was archived */
  repriced: string[];
  unchanged: string[];
  /** products tagged by an earlier push whose lookup key left the catalog file: archived */
  archived: string[];
}

/**
 * Makes Stripe's products and prices match a catalog file, idempotently: each item is found by its price lookup
 * key (or, after an interrupted run, its product's `metadata.catalog_key`); what matches is left alone, what
 * Stripe lets change in place is updated, and a change of amount or billing period creates a new price that
 * takes over the lookup key while the old one is archived (existing subscriptions keep it).
 */
export class CatalogPusher {
  constructor(
    private readonly stripe: Stripe,
    private readonly log: (msg: string) => void = () => undefined,
  ) {}

  async push(catalog: CatalogFile): Promise<PushResult> {
    const result: PushResult = {
      version: catalog.version,
      created: [],
      updated: [],
      repriced: [],
      unchanged: [],
      archived: [],
    };
    const items: Item[] = [
      ...catalog.plans.map((spec): Item => ({ kind: 'plan', spec })),
      ...catalog.packages.map((spec): Item => ({ kind: 'package', spec })),
    ];
    const products = await listAllProducts(this.stripe);
    this.features = await this.loadFeatures();
    const keys = items.map((i) => i.spec.lookup_key);
    const lookups = [...keys, ...catalog.plans.map((p) => overageLookupKey(p.lookup_key))];
    const prices = new Map<string, Stripe.Price>();
    for (let i = 0; i < lookups.length; i += 10) {
      for (const p of await listAllPrices(this.stripe, { lookup_keys: lookups.slice(i, i + 10) })) {
        if (p.lookup_key) prices.set(p.lookup_key, p);
      }
    }
    this.meters = undefined;

    for (const item of items) {
      let outcome = await this.pushItem(item, catalog.version, prices.get(item.spec.lookup_key), products);
      if (item.kind === 'plan') {
        const product = products.find((p) => p.metadata.catalog_key === item.spec.lookup_key)!;
        const key = overageLookupKey(item.spec.lookup_key);
        if ((await this.pushOverage(item.spec, product.id, prices.get(key))) && outcome === 'unchanged')
          outcome = 'updated';
      }
      result[outcome].push(item.spec.lookup_key);
      this.log(`${item.spec.lookup_key}: ${outcome}`);
    }
    if (catalog.free_plan) {
      const outcome = await this.pushFreePlan(catalog.free_plan, catalog.version, products);
      result[outcome].push(catalog.free_plan.lookup_key);
      this.log(`${catalog.free_plan.lookup_key}: ${outcome}`);
      keys.push(catalog.free_plan.lookup_key);
    }

    const wanted = new Set(keys);
    for (const product of products) {
      const key = product.metadata.catalog_key;
      if (!key || wanted.has(key) || !product.active) continue;
      for (const price of await listAllPrices(this.stripe, { product: product.id, active: true })) {
        await this.stripe.prices.update(price.id, { active: false });
      }
      await this.stripe.products.update(product.id, { active: false });
      result.archived.push(key);
      this.log(`${key}: archived (no longer in the catalog file)`);
    }
    return result;
  }

  /** Active meters by event name (listed once per push). */
  private meters?: Map<string, Stripe.Billing.Meter>;

  /** The meter counting `eventName` (summed per customer), created on first use. */
  private async meterFor(eventName: string, planName: string): Promise<Stripe.Billing.Meter> {
    if (!this.meters) {
      const list = await this.stripe.billing.meters
        .list({ limit: 100, status: 'active' })
        .autoPagingToArray({ limit: 10_000 });
      this.meters = new Map(list.map((m) => [m.event_name, m]));
    }
    let meter = this.meters.get(eventName);
    if (!meter) {
      meter = await this.stripe.billing.meters.create({
        display_name: `${planName} overage`,
        event_name: eventName,
        default_aggregation: { formula: 'sum' },
      });
      this.meters.set(eventName, meter);
    }
    return meter;
  }

  /**
   * A plan's overage as a metered price on the plan's product (lookup key `<plan>.overage`) counted by the
   * meter of its event name: the per-credit price (`unit_amount_decimal`) in every currency, the cap in its
   * metadata. A changed price or meter creates a new price that takes over the lookup key (the old one is
   * archived; subscriptions keep theirs); a plan without overage archives it. Returns whether anything changed.
   */
  private async pushOverage(
    plan: CatalogPlan,
    productId: string,
    existing: Stripe.Price | undefined,
  ): Promise<boolean> {
    const o = plan.overage;
    if (!o) {
      if (!existing?.active) return false;
      await this.stripe.prices.update(existing.id, { active: false });
      return true;
    }
    const meter = await this.meterFor(o.event_name, plan.name);
    const decimal = (c: string) => perCreditDecimal(o.amounts[c], o.per_credits);
    const metadata = {
      kind: 'overage',
      catalog_key: plan.lookup_key,
      overage_cap: String(o.cap),
      overage_per_credits: String(o.per_credits),
      overage_event_name: o.event_name,
    };
    const others = Object.keys(o.amounts).filter((c) => c !== plan.currency);
    const same =
      existing &&
      existing.recurring?.meter === meter.id &&
      existing.recurring.usage_type === 'metered' &&
      existing.recurring.interval === plan.interval &&
      existing.recurring.interval_count === plan.interval_count &&
      existing.currency === plan.currency &&
      String(existing.unit_amount_decimal) === decimal(plan.currency) &&
      Object.keys(existing.currency_options ?? {}).filter((c) => c !== plan.currency).length ===
        others.length &&
      others.every((c) => String(existing.currency_options?.[c]?.unit_amount_decimal) === decimal(c));
    if (same) {
      const patch = metadataPatch(existing.metadata, metadata, OWNED_KEYS);
      if (!patch && existing.active) return false;
      await this.stripe.prices.update(existing.id, { active: true, ...(patch ? { metadata: patch } : {}) });
      return true;
    }
    await this.stripe.prices.create({
      product: productId,
      currency: plan.currency,
      unit_amount_decimal: Stripe.Decimal.from(decimal(plan.currency)),
      ...(others.length > 0
        ? {
            currency_options: Object.fromEntries(
              // The pinned SDK encodes a Decimal only at the top level (its schema takes currency_options for
              // an array): nested, the decimal goes as the string Stripe's form encoding expects.
              others.map((c) => [c, { unit_amount_decimal: decimal(c) as unknown as Stripe.Decimal }]),
            ),
          }
        : {}),
      recurring: {
        interval: plan.interval,
        interval_count: plan.interval_count,
        usage_type: 'metered',
        meter: meter.id,
      },
      tax_behavior: taxBehaviorOf(plan),
      lookup_key: overageLookupKey(plan.lookup_key),
      transfer_lookup_key: existing !== undefined,
      nickname: `${plan.name} overage`,
      metadata,
    });
    if (existing?.active) await this.stripe.prices.update(existing.id, { active: false });
    return true;
  }

  /** Entitlements features by lookup key, archived ones included (a push reactivates what it needs). */
  private features = new Map<string, Stripe.Entitlements.Feature>();

  private async loadFeatures(): Promise<Map<string, Stripe.Entitlements.Feature>> {
    const byKey = new Map<string, Stripe.Entitlements.Feature>();
    for (const archived of [true, false]) {
      const list = await this.stripe.entitlements.features
        .list({ limit: 100, archived })
        .autoPagingToArray({ limit: 10_000 });
      for (const f of list) byKey.set(f.lookup_key, f);
    }
    return byKey;
  }

  /** The Stripe feature for a flag, created (or reactivated) on first use. */
  private async featureFor(key: string): Promise<Stripe.Entitlements.Feature> {
    let feature = this.features.get(key);
    if (!feature) {
      feature = await this.stripe.entitlements.features.create({
        lookup_key: key,
        name: featureName(key),
        metadata: { catalog_feature: 'true' },
      });
    } else if (!feature.active) {
      feature = await this.stripe.entitlements.features.update(feature.id, { active: true });
    }
    this.features.set(key, feature);
    return feature;
  }

  /**
   * Attaches exactly the plan's flags to its product: missing ones are attached, others detached (the catalog
   * file is the truth for a plan's features). Returns whether anything changed.
   */
  private async pushFeatures(productId: string, features: PlanFeatures): Promise<boolean> {
    const want = new Set(grantedFlags(features));
    const attached = await this.stripe.products
      .listFeatures(productId, { limit: 100 })
      .autoPagingToArray({ limit: 1000 });
    let changed = false;
    for (const pf of attached) {
      const key = pf.entitlement_feature.lookup_key;
      if (want.has(key) && pf.entitlement_feature.active) want.delete(key);
      else {
        await this.stripe.products.deleteFeature(productId, pf.id);
        changed = true;
      }
    }
    for (const key of want) {
      const feature = await this.featureFor(key);
      await this.stripe.products.createFeature(productId, { entitlement_feature: feature.id });
      changed = true;
    }
    return changed;
  }

  /** The free plan: a product without a price (metadata kind=free_plan) carrying the features. */
  private async pushFreePlan(
    free: CatalogFreePlan,
    version: number,
    products: Stripe.Product[],
  ): Promise<'created' | 'updated' | 'unchanged'> {
    const limits = encodeLimits(free.features);
    const metadata: Record<string, string> = {
      kind: 'free_plan',
      catalog_key: free.lookup_key,
      catalog_version: String(version),
      ...(limits ? { [FEATURE_LIMITS_METADATA_KEY]: limits } : {}),
    };
    let product = products.find((p) => p.metadata.catalog_key === free.lookup_key);
    let outcome: 'created' | 'updated' | 'unchanged' = 'unchanged';
    if (!product) {
      product = await this.stripe.products.create({
        name: free.name,
        description: free.description || undefined,
        metadata,
      });
      products.push(product);
      outcome = 'created';
    } else {
      const patch: Stripe.ProductUpdateParams = {};
      if (product.name !== free.name) patch.name = free.name;
      if ((product.description ?? '') !== free.description) patch.description = free.description;
      if (!product.active) patch.active = true;
      const meta = metadataPatch(product.metadata, metadata, OWNED_KEYS);
      if (meta) patch.metadata = meta;
      if (Object.keys(patch).length > 0) {
        product = await this.stripe.products.update(product.id, patch);
        outcome = 'updated';
      }
    }
    const featuresChanged = await this.pushFeatures(product.id, free.features);
    return outcome === 'unchanged' && featuresChanged ? 'updated' : outcome;
  }

  private async pushItem(
    item: Item,
    version: number,
    existing: Stripe.Price | undefined,
    products: Stripe.Product[],
  ): Promise<'created' | 'updated' | 'repriced' | 'unchanged'> {
    const s = item.spec;
    const meta = metadataFor(item, version);
    const productId = refId(existing?.product);
    let product =
      products.find((p) => p.id === productId) ??
      products.find((p) => p.metadata.catalog_key === s.lookup_key);
    let changed = false;

    if (!product) {
      product = await this.stripe.products.create({
        name: s.name,
        description: s.description || undefined,
        metadata: meta.product,
        ...(s.tax_code ? { tax_code: s.tax_code } : {}),
      });
      products.push(product);
      changed = true;
    } else {
      const patch: Stripe.ProductUpdateParams = {};
      if (product.name !== s.name) patch.name = s.name;
      if ((product.description ?? '') !== s.description) patch.description = s.description;
      if (!product.active) patch.active = true;
      if (s.tax_code && refId(product.tax_code) !== s.tax_code) patch.tax_code = s.tax_code;
      const metadata = metadataPatch(product.metadata, meta.product, OWNED_KEYS);
      if (metadata) patch.metadata = metadata;
      if (Object.keys(patch).length > 0) {
        product = await this.stripe.products.update(product.id, patch);
        changed = true;
      }
    }

    let price = existing;
    let repriced = false;
    const taxChange = price ? taxBehaviorChange(price, s) : undefined;
    if (!price || !sameMoney(price, item) || taxChange === 'reprice') {
      const others = otherAmounts(s);
      price = await this.stripe.prices.create({
        product: product.id,
        currency: s.currency,
        unit_amount: s.amounts[s.currency],
        ...(Object.keys(others).length > 0
          ? {
              currency_options: Object.fromEntries(
                Object.entries(others).map(([c, a]) => [c, { unit_amount: a }]),
              ),
            }
          : {}),
        ...(item.kind === 'plan'
          ? { recurring: { interval: item.spec.interval, interval_count: item.spec.interval_count } }
          : {}),
        tax_behavior: taxBehaviorOf(s),
        lookup_key: s.lookup_key,
        transfer_lookup_key: existing !== undefined,
        nickname: item.kind === 'plan' ? item.spec.full_price_name || s.name : s.name,
        metadata: meta.price,
      });
      if (existing?.active) await this.stripe.prices.update(existing.id, { active: false });
      repriced = existing !== undefined;
      changed = true;
    } else {
      const patch: Stripe.PriceUpdateParams = {};
      if (!price.active) patch.active = true;
      if (taxChange === 'set') patch.tax_behavior = taxBehaviorOf(s);
      const metadata = metadataPatch(price.metadata, meta.price, OWNED_KEYS);
      if (metadata) patch.metadata = metadata;
      if (Object.keys(patch).length > 0) {
        price = await this.stripe.prices.update(price.id, patch);
        changed = true;
      }
    }

    if (refId(product.default_price) !== price.id) {
      await this.stripe.products.update(product.id, { default_price: price.id });
      changed = true;
    }
    if (item.kind === 'plan' && (await this.pushFeatures(product.id, item.spec.features ?? {})))
      changed = true;
    if (repriced) return 'repriced';
    if (!existing) return 'created';
    return changed ? 'updated' : 'unchanged';
  }
}
