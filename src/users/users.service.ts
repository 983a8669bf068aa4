import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, Not, Repository } from 'typeorm';
import { firstRow } from '../common/db/sql';
import { appConfig, AppConfig } from '../config/app.config';
import { AppError, ErrorCode } from '../common/errors';
import type { Role } from '../common/decorators';
import { User } from './user.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UsersService on a bare DataSource, for command-line tools that run without the Nest app. */
export const usersServiceFor = (ds: DataSource, app: AppConfig): UsersService =>
  new UsersService(ds.getRepository(User), app);

/**
 * The only writer of `users`. Reads and writes that take part in another module's transaction take its
 * EntityManager as a required first argument; the others use this module's repository.
 */
@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  normalizeEmail(email: string): string {
    return email.trim().normalize('NFC').toLowerCase();
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOne({ where: { id } });
  }

  async getById(id: string): Promise<User> {
    const user = await this.findById(id);
    if (!user) throw new AppError(ErrorCode.UserNotFound);
    return user;
  }

  /** 404 USER_NOT_FOUND unless the user exists (inside the caller's transaction). */
  async assertExists(m: EntityManager, id: string): Promise<void> {
    if (!(await m.getRepository(User).exists({ where: { id } }))) throw new AppError(ErrorCode.UserNotFound);
  }

  findByEmailWithHash(email: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.email = :email AND u.externalId IS NULL', { email: this.normalizeEmail(email) })
      .getOne();
  }

  /** Every user with a Stripe customer, oldest first (reconciliation walks them). */
  withCustomers(): Promise<Array<User & { customerId: string }>> {
    return this.users.find({
      where: { customerId: Not(IsNull()) },
      order: { createdAt: 'ASC', id: 'ASC' },
    }) as Promise<Array<User & { customerId: string }>>;
  }

  /**
   * The Tollgate user a Stripe object belongs to: the user id our metadata claims, if that user exists and
   * its customer does not contradict Stripe's (a customer id is Stripe's truth); else the customer's owner.
   */
  async resolveStripeOwner(
    m: EntityManager,
    claimed: string | null | undefined,
    customerId: string | null,
  ): Promise<string | null> {
    const repo = m.getRepository(User);
    if (claimed && UUID.test(claimed)) {
      const user = await repo.findOne({ where: { id: claimed } });
      if (user && (!user.customerId || !customerId || user.customerId === customerId)) return user.id;
    }
    if (!customerId) return null;
    return (await repo.findOne({ where: { customerId } }))?.id ?? null;
  }

  /** Inserts; a taken email is reported by the unique index, not by a racy pre-check. */
  async create(email: string, passwordHash: string): Promise<User> {
    const normalized = this.normalizeEmail(email);
    const role = this.app.adminEmails.includes(normalized) ? 'admin' : 'user';
    const rows = await this.users
      .createQueryBuilder()
      .insert()
      .values({ email: normalized, passwordHash, role })
      .orIgnore()
      .returning(['id'])
      .execute();
    const id = (rows.raw as Array<{ id: string }>)[0]?.id;
    if (!id) throw new AppError(ErrorCode.AuthEmailTaken);
    return this.getById(id);
  }

  /** ADMIN_EMAILS promotes on login too, so adding an address takes effect without a migration. */
  async syncAdminRole(user: User): Promise<User> {
    if (user.role !== 'admin' && user.email && this.app.adminEmails.includes(user.email)) {
      await this.users.update({ id: user.id }, { role: 'admin' });
      user.role = 'admin';
    }
    return user;
  }

  /** `npm run admin:create`: sets an existing account's role; false when there is none with this email. */
  async setRole(email: string, role: Role): Promise<boolean> {
    // Local accounts only: an external user's email is the IdP's claim, not proof of owning the address.
    const result = await this.users.update(
      { email: this.normalizeEmail(email), externalId: IsNull() },
      { role },
    );
    return (result.affected ?? 0) > 0;
  }

  /**
   * `npm run admin:create -- --external <subject>`: gives a user of the identity provider a role, by
   * (issuer, subject), creating the row if they never signed in yet (their first sign-in finds it).
   */
  async setExternalRole(issuer: string, externalId: string, role: Role): Promise<User> {
    const user = await this.upsertExternal(issuer, externalId);
    await this.users.update({ id: user.id }, { role });
    user.role = role;
    return user;
  }

  promoteToAdmin(email: string): Promise<boolean> {
    return this.setRole(email, 'admin');
  }

  findByExternalId(issuer: string, externalId: string): Promise<User | null> {
    return this.users.findOne({ where: { externalIssuer: issuer, externalId } });
  }

  /** Operators' lookups: by Tollgate id, or by external id under any issuer. */
  findByIdOrExternalId(ref: string): Promise<User[]> {
    return UUID.test(ref)
      ? this.users.find({ where: [{ id: ref }, { externalId: ref }], take: 2 })
      : this.users.find({ where: { externalId: ref }, take: 2 });
  }

  /**
   * The one user an operator's reference names: Tollgate's id or the host's external id. 404 USER_NOT_FOUND when
   * none; 409 CONFLICT when it names two different users (one's id is another's external id, or two issuers
   * share the external id) — the operator must then ask by a reference only one of them has.
   */
  async resolveRef(ref: string): Promise<User> {
    const matches = await this.findByIdOrExternalId(ref);
    if (matches.length > 1) {
      throw new AppError(
        ErrorCode.Conflict,
        "This reference names two different users (one's Tollgate id is the other's external id, or two issuers share the external id): use another reference.",
      );
    }
    if (!matches[0]) throw new AppError(ErrorCode.UserNotFound);
    return matches[0];
  }

  /**
   * Operators' search: one term matched exactly against the email, the external id, the Stripe customer id and
   * (when it is a UUID) the Tollgate id; oldest first, paged by `after` (the last row's id of the previous page).
   */
  async search(
    term: string,
    limit: number,
    after?: string,
  ): Promise<{ users: User[]; next_cursor: string | null }> {
    const t = term.trim();
    const email = this.normalizeEmail(t);
    const qb = this.users
      .createQueryBuilder('u')
      .where(
        UUID.test(t)
          ? '(u.email = :email OR u.external_id = :t OR u.customer_id = :t OR u.id = CAST(:t AS uuid))'
          : '(u.email = :email OR u.external_id = :t OR u.customer_id = :t)',
        { email, t },
      );
    if (after) {
      qb.andWhere(
        '(u.created_at, u.id) > (SELECT a.created_at, a.id FROM users a WHERE a.id = CAST(:after AS uuid))',
        {
          after,
        },
      );
    }
    const found = await qb
      .orderBy('u.created_at', 'ASC')
      .addOrderBy('u.id', 'ASC')
      .limit(limit + 1)
      .getMany();
    const users = found.slice(0, limit);
    return { users, next_cursor: found.length > limit ? users[users.length - 1].id : null };
  }

  findByEmail(email: string, limit = 50): Promise<User[]> {
    return this.users.find({
      where: { email: this.normalizeEmail(email) },
      order: { createdAt: 'ASC' },
      take: limit,
    });
  }

  /**
   * The host's user, created on first sight, keyed by (issuer, external id). One statement, so two first
   * requests at once agree on one row. `email` (when given) and `metadata` (when given) replace the stored ones.
   */
  async upsertExternal(
    issuer: string,
    externalId: string,
    fields: { email?: string | null; metadata?: Record<string, unknown> } = {},
  ): Promise<User> {
    const email = typeof fields.email === 'string' ? this.normalizeEmail(fields.email) : null;
    const row = await firstRow<{ id: string }>(
      this.users,
      `INSERT INTO users (external_issuer, external_id, email, metadata)
       VALUES ($1, $2, $3, COALESCE($4::jsonb, '{}'::jsonb))
       ON CONFLICT (external_issuer, external_id) DO UPDATE
         SET email = COALESCE(EXCLUDED.email, users.email),
             metadata = COALESCE($4::jsonb, users.metadata),
             updated_at = CASE
               WHEN users.email IS DISTINCT FROM COALESCE(EXCLUDED.email, users.email)
                 OR users.metadata IS DISTINCT FROM COALESCE($4::jsonb, users.metadata)
               THEN now() ELSE users.updated_at END
       RETURNING id`,
      [issuer, externalId, email, fields.metadata ? JSON.stringify(fields.metadata) : null],
    );
    return this.getById(row!.id);
  }

  /** Records the Stripe customer only if none is set yet; returns the id that won. */
  async attachCustomerId(m: EntityManager, userId: string, customerId: string): Promise<string> {
    const repo = m.getRepository(User);
    await repo
      .createQueryBuilder()
      .update()
      .set({ customerId })
      .where('id = :userId AND customer_id IS NULL', { userId })
      .execute();
    const user = await repo.findOne({ where: { id: userId } });
    if (!user) throw new AppError(ErrorCode.UserNotFound);
    return user.customerId ?? customerId;
  }

  /** One trial per user: set the first time a subscription with a trial is mirrored. */
  async markTrialUsed(m: EntityManager, userId: string): Promise<void> {
    await m
      .getRepository(User)
      .createQueryBuilder()
      .update()
      .set({ trialUsedAt: () => 'COALESCE(trial_used_at, now())' })
      .where('id = :userId', { userId })
      .execute();
  }

  /** The host's id for this user (null for a local account or an unknown id), inside the caller's transaction. */
  async externalIdOf(m: EntityManager, userId: string): Promise<string | null> {
    const user = await m
      .getRepository(User)
      .findOne({ where: { id: userId }, select: { id: true, externalId: true } });
    return user?.externalId ?? null;
  }
}
