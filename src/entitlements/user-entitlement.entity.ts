import { Check, Column, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { bigintNumber } from '../common/db/transformers';
import type { PlanFeatures } from '../plans/plan-features';

export type EntitlementSource = 'subscription' | 'free_plan' | 'none';

/** A user's current entitlements, derived from their subscription (never written from anywhere else). */
@Entity('user_entitlements')
@Check('user_entitlements_source_check', `source IN ('subscription', 'free_plan', 'none')`)
export class UserEntitlement {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  // By entity name: Entitlements does not import another module's entity.
  @OneToOne('User', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'user_entitlements_user_id_fkey' })
  user?: unknown;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  features: PlanFeatures;

  @Column({ type: 'varchar', length: 16, default: 'none' })
  source: EntitlementSource;

  @Column({ name: 'plan_lookup_key', type: 'varchar', nullable: true })
  planLookupKey: string | null;

  @Column({ name: 'plan_name', type: 'varchar', nullable: true })
  planName: string | null;

  @Column({ name: 'subscription_id', type: 'varchar', length: 255, nullable: true })
  subscriptionId: string | null;

  @Column({ name: 'subscription_status', type: 'varchar', length: 32, nullable: true })
  subscriptionStatus: string | null;

  /** past_due: the end of the grace period; after it the free plan applies even before another event arrives. */
  @Column({ name: 'access_until', type: 'timestamptz', nullable: true })
  accessUntil: Date | null;

  /** The newest subscription read (ms) this set was derived from: an older read never replaces it. */
  @Column({ name: 'source_version', type: 'bigint', default: 0, transformer: bigintNumber })
  sourceVersion: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
