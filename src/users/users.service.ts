import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { appConfig, AppConfig } from '../config/app.config';
import { AppError, ErrorCode } from '../common/errors';
import { User } from './user.entity';

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

  findByEmailWithHash(email: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.email = :email', { email: this.normalizeEmail(email) })
      .getOne();
  }

  findByCustomerId(customerId: string, manager?: EntityManager): Promise<User | null> {
    return (manager?.getRepository(User) ?? this.users).findOne({ where: { customerId } });
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

  /** Records the Stripe customer only if none is set yet; returns the id that won. */
  async attachCustomerId(userId: string, customerId: string): Promise<string> {
    await this.users
      .createQueryBuilder()
      .update()
      .set({ customerId })
      .where('id = :userId AND customer_id IS NULL', { userId })
      .execute();
    const user = await this.getById(userId);
    return user.customerId ?? customerId;
  }
}
