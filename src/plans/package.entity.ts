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

/** A one-time credit package: the spec's `packages` table plus integer money and catalog state. */
@Entity('packages')
@Unique('packages_price_id_key', ['priceId'])
@Index('idx_packages_product_id', ['productId'])
@Index('packages_active_product_key', ['productId'], { unique: true, where: 'active' })
@Index('packages_active_product_name_key', ['productName'], { unique: true, where: 'active' })
@Check('packages_uses_amount_check', `uses_amount > 0`)
@Check('packages_unit_amount_check', `unit_amount >= 0`)
@Check('packages_currency_check', `currency = lower(currency)`)
export class CreditPackage {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'product_name', type: 'varchar' })
  productName: string;

  @Column({ name: 'product_id', type: 'varchar' })
  productId: string;

  @Column({ name: 'price_id', type: 'varchar' })
  priceId: string;

  /** The spec's display string, derived from unit_amount + currency. */
  @Column({ type: 'varchar' })
  price: string;

  @Column({ name: 'uses_amount', type: 'integer' })
  usesAmount: number;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ name: 'unit_amount', type: 'bigint', transformer: bigintNumber })
  unitAmount: number;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ name: 'currency_options', type: 'jsonb', default: () => "'{}'" })
  currencyOptions: Record<string, number>;

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
