import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, Not, Repository } from 'typeorm';
import { appConfig, AppConfig } from '../config/app.config';
import { AppError, ErrorCode } from '../common/errors';
import { User } from './user.entity';

const UUID = /^[0-9a-f-]{36}$/i;

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
    return email.trim().toLowerCase();
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
      .where('u.email = :email', { email: this.normalizeEmail(email) })
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
    if (user.role !== 'admin' && this.app.adminEmails.includes(user.email)) {
      await this.users.update({ id: user.id }, { role: 'admin' });
      user.role = 'admin';
    }
    return user;
  }

  /** `npm run admin:create`: promotes an existing account; false when there is none with this email. */
  async promoteToAdmin(email: string): Promise<boolean> {
    const result = await this.users.update({ email: this.normalizeEmail(email) }, { role: 'admin' });
    return (result.affected ?? 0) > 0;
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
}
