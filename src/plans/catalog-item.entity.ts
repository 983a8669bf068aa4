import { Column, CreateDateColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { bigintNumber } from '../common/db/transformers';

/**
 * The columns `plans` and `packages` share: the spec's product/price identity and display price, plus integer
 * money and catalog state. Each table is its own entity (no inheritance table); this only holds the columns.
 */
export abstract class CatalogItem {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'product_name', type: 'varchar' })
  productName: string;

  @Column({ name: 'product_id', type: 'varchar' })
  productId: string;

  @Column({ name: 'price_id', type: 'varchar' })
  priceId: string;

  /** The spec's display string ("29.99"), always derived from unit_amount + currency. */
  @Column({ type: 'varchar' })
  price: string;

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

  @Column({ type: 'boolean', default: true })
  active: boolean;

  @Column({ name: 'display_order', type: 'integer', default: 0 })
  displayOrder: number;

  @Column({ name: 'lookup_key', type: 'varchar', nullable: true })
  lookupKey: string | null;

  /** Stripe Tax: `exclusive` (tax added), `inclusive` (tax included) or `unspecified` (pushed before tax). */
  @Column({ name: 'tax_behavior', type: 'varchar', length: 12, default: 'unspecified' })
  taxBehavior: string;

  /** The product's Stripe tax code (`txcd_…`); null → the account's default. */
  @Column({ name: 'tax_code', type: 'varchar', length: 64, nullable: true })
  taxCode: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
