import { Check, Column, Entity, Index, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export interface StoredTaxId {
  type: string;
  value: string;
  /** Stripe's tax_id object id (txi_…), to delete it when the customer removes it. */
  id: string;
}

/**
 * A user's billing name, address and tax IDs: stored on their Stripe customer (the truth) and mirrored here
 * by the payments module when they are changed through Tollgate or Stripe (portal, Checkout).
 */
@Entity('billing_details')
@Index('idx_billing_details_customer_id', ['customerId'])
@Check('billing_details_country_check', `country IS NULL OR country ~ '^[A-Z]{2}$'`)
export class BillingDetails {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId: string;

  // By entity name: Payments does not import another module's entity.
  @OneToOne('User', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'billing_details_user_id_fkey' })
  user?: unknown;

  @Column({ name: 'customer_id', type: 'varchar', length: 255 })
  customerId: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  name: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  line1: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  line2: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  city: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  state: string | null;

  @Column({ name: 'postal_code', type: 'varchar', length: 40, nullable: true })
  postalCode: string | null;

  /** ISO 3166-1 alpha-2, upper case; null when no address is on file. */
  @Column({ type: 'char', length: 2, nullable: true })
  country: string | null;

  @Column({ name: 'tax_ids', type: 'jsonb', default: () => "'[]'" })
  taxIds: StoredTaxId[];

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
