import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { bigintNumber } from '../database/transformers';

/** A one-time credit package: the spec's `packages` table plus integer money and catalog state. */
@Entity('packages')
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
