import { Check, Column, Entity, Index, Unique } from 'typeorm';
import { CatalogItem } from './catalog-item.entity';

/** A one-time credit package: the spec's `packages` table plus integer money and catalog state. */
@Entity('packages')
@Unique('packages_price_id_key', ['priceId'])
@Index('idx_packages_product_id', ['productId'])
@Index('packages_active_product_key', ['productId'], { unique: true, where: 'active' })
@Index('packages_active_product_name_key', ['productName'], { unique: true, where: 'active' })
@Check('packages_uses_amount_check', `uses_amount > 0`)
@Check('packages_expires_in_days_check', `expires_in_days IS NULL OR expires_in_days > 0`)
@Check('packages_tax_behavior_check', `tax_behavior IN ('exclusive', 'inclusive', 'unspecified')`)
@Check('packages_unit_amount_check', `unit_amount >= 0`)
@Check('packages_currency_check', `currency = lower(currency)`)
export class CreditPackage extends CatalogItem {
  @Column({ name: 'uses_amount', type: 'integer' })
  usesAmount: number;

  /** The pack's credits expire this many days after purchase; null: never. */
  @Column({ name: 'expires_in_days', type: 'integer', nullable: true })
  expiresInDays: number | null;
}
