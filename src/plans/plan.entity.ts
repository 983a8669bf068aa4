import { Check, Column, Entity, Index, Unique } from 'typeorm';
import { CatalogItem } from './catalog-item.entity';
import type { PlanFeatures } from './plan-features';

/** A subscription plan: the spec's `plans` table plus integer money and catalog state. */
@Entity('plans')
@Unique('plans_price_id_key', ['priceId'])
@Index('idx_plans_product_id', ['productId'])
@Index('plans_active_product_key', ['productId'], { unique: true, where: 'active' })
@Index('plans_active_product_name_key', ['productName'], { unique: true, where: 'active' })
@Check('plans_monthly_uses_check', `monthly_uses >= 0`)
@Check('plans_unit_amount_check', `unit_amount >= 0`)
@Check('plans_trial_days_check', `trial_days >= 0`)
@Check('plans_currency_check', `currency = lower(currency)`)
@Check('plans_tax_behavior_check', `tax_behavior IN ('exclusive', 'inclusive', 'unspecified')`)
export class Plan extends CatalogItem {
  @Column({ name: 'full_plan_name', type: 'varchar', nullable: true, default: '' })
  fullPlanName: string | null;

  @Column({ name: 'full_price_name', type: 'varchar', nullable: true, default: '' })
  fullPriceName: string | null;

  @Column({ name: 'monthly_uses', type: 'integer', default: 0 })
  monthlyUses: number;

  @Column({ type: 'varchar', length: 8, default: 'month' })
  interval: string;

  @Column({ name: 'interval_count', type: 'integer', default: 1 })
  intervalCount: number;

  @Column({ name: 'trial_days', type: 'integer', default: 14 })
  trialDays: number;

  /** Flags and limits (Stripe Entitlements features attached to the product + its feature_limits metadata). */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  features: PlanFeatures;

  /** The plan's overage (its metered price on the same product, read back from Stripe); null: none. */
  @Column({ type: 'jsonb', nullable: true })
  overage: PlanOverage | null;
}

/** What a plan's overage is: its metered price, the meter's event name, the cap per period, the price per credit. */
export interface PlanOverage {
  price_id: string;
  event_name: string;
  cap: number;
  /** Minor units per credit by currency, as Stripe's `unit_amount_decimal` ("0.02"). */
  unit_amount_decimal: Record<string, string>;
}
