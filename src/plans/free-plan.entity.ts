import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { PlanFeatures } from './plan-features';

/**
 * The catalog's free plan: what a user without a paying subscription may do. A Stripe product without a price
 * (metadata kind=free_plan); the newest active row is the free plan.
 */
@Entity('free_plans')
export class FreePlan {
  @PrimaryColumn({ name: 'product_id', type: 'varchar' })
  productId: string;

  @Column({ name: 'lookup_key', type: 'varchar', nullable: true })
  lookupKey: string | null;

  @Column({ type: 'varchar' })
  name: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  features: PlanFeatures;

  @Column({ type: 'boolean', default: true })
  active: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
