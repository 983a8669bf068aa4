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

/** A local account has an email and a password; an external one has its issuer and id. */
const IDENTITY_CHECK =
  '(external_id IS NULL AND external_issuer IS NULL AND email IS NOT NULL AND password_hash IS NOT NULL) ' +
  'OR (external_id IS NOT NULL AND external_issuer IS NOT NULL)';

// Declared here as well as in the migrations, so `migration:generate` sees no drift.
@Entity('users')
@Index('users_email_key', ['email'], { unique: true, where: 'external_id IS NULL' })
@Index('users_external_identity_key', ['externalIssuer', 'externalId'], { unique: true })
@Index('idx_users_external_id', ['externalId'])
@Index('idx_users_customer_id', ['customerId'], { unique: true })
@Check('users_role_check', `role IN ('user', 'admin', 'support')`)
@Check('users_email_lowercase', `email = lower(email)`)
@Check('users_identity_check', IDENTITY_CHECK)
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Stored lower-cased; unique among local accounts; an external user may have none. */
  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;

  /** Local accounts only; external users sign in at their own identity provider. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true, select: false })
  passwordHash: string | null;

  /** The host's identity provider (its `iss`), or the API-key namespace; null for a local account. */
  @Column({ name: 'external_issuer', type: 'varchar', length: 512, nullable: true })
  externalIssuer: string | null;

  /** The host's id for this user (the token's subject claim, or X-Tollgate-User). */
  @Column({ name: 'external_id', type: 'varchar', length: 255, nullable: true })
  externalId: string | null;

  /** Free-form JSON the host attached with PUT /users/{external_id}. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata: Record<string, unknown>;

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
