import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
} from 'typeorm';
import { bigintNumber } from '../database/transformers';

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
export class Plan {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'full_plan_name', type: 'varchar', nullable: true, default: '' })
  fullPlanName: string | null;

  @Column({ name: 'full_price_name', type: 'varchar', nullable: true, default: '' })
  fullPriceName: string | null;

  @Column({ name: 'product_name', type: 'varchar' })
  productName: string;

  @Column({ name: 'product_id', type: 'varchar' })
  productId: string;

  @Column({ name: 'price_id', type: 'varchar' })
  priceId: string;

  /** The spec's display string ("29.99"), always derived from unit_amount + currency. */
  @Column({ type: 'varchar' })
  price: string;

  @Column({ name: 'monthly_uses', type: 'integer', default: 0 })
  monthlyUses: number;

  @Column({ type: 'text', default: '' })
  description: string;

  /** Integer minor units of `currency`. */
  @Column({ name: 'unit_amount', type: 'bigint', transformer: bigintNumber })
  unitAmount: number;

  @Column({ type: 'char', length: 3 })
  currency: string;

  /** Other currencies' minor-unit amounts, e.g. {"eur": 2799}. */
  @Column({ name: 'currency_options', type: 'jsonb', default: () => "'{}'" })
  currencyOptions: Record<string, number>;

  @Column({ type: 'varchar', length: 8, default: 'month' })
  interval: string;

  @Column({ name: 'interval_count', type: 'integer', default: 1 })
  intervalCount: number;

  @Column({ name: 'trial_days', type: 'integer', default: 14 })
  trialDays: number;

  @Column({ type: 'boolean', default: true })
  active: boolean;

  @Column({ name: 'display_order', type: 'integer', default: 0 })
  displayOrder: number;

  @Column({ name: 'lookup_key', type: 'varchar', nullable: true })
  lookupKey: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
