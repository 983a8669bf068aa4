import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Role } from '../common/decorators';

// Declared here as well as in the migrations, so `migration:generate` sees no drift.
@Entity('users')
@Index('users_email_key', ['email'], { unique: true })
@Index('idx_users_customer_id', ['customerId'], { unique: true })
@Check('users_role_check', `role IN ('user', 'admin')`)
@Check('users_email_lowercase', `email = lower(email)`)
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Stored lower-cased; unique. */
  @Column({ type: 'varchar', length: 320 })
  email: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 255, select: false })
  passwordHash: string;

  @Column({ type: 'varchar', length: 16, default: 'user' })
  role: Role;

  /** The spec's users.customer_id: the Stripe customer, created once per user. */
  @Column({ name: 'customer_id', type: 'varchar', length: 255, nullable: true })
  customerId: string | null;

  /** Set once the user has had a trial: no second trial. */
  @Column({ name: 'trial_used_at', type: 'timestamptz', nullable: true })
  trialUsedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
