import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';

/** Checkout sessions we created, so only their owner can read them and fulfilment knows the buyer. */
@Entity('checkout_sessions')
@Index('idx_checkout_sessions_user', ['userId', 'createdAt'])
@Check('checkout_sessions_mode_check', `mode IN ('subscription','payment')`)
export class CheckoutSessionRecord {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  // By entity name: Payments does not import another module's entity.
  @ManyToOne('User', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'checkout_sessions_user_id_fkey' })
  user?: unknown;

  @Column({ type: 'varchar', length: 16 })
  mode: 'subscription' | 'payment';

  @Column({ name: 'price_id', type: 'varchar', length: 255 })
  priceId: string;

  @Column({ type: 'char', length: 3 })
  currency: string;

  @Column({ type: 'varchar', length: 16, default: 'open' })
  status: string;

  @Column({ name: 'fulfilled_at', type: 'timestamptz', nullable: true })
  fulfilledAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
