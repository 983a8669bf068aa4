import { Global, Module, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AfterCommitSubscriber } from './after-commit';
import { LowBalanceThresholds } from '../facts/balance-thresholds';
import { DomainEvents } from './domain-events';

/**
 * The typed domain-event bus, global so any module can publish its facts and any module can subscribe, and the
 * in-memory per-user low-balance thresholds its balance reactions read (written by spend-controls). It also
 * hooks the TypeORM subscriber that runs after-commit work at the outermost COMMIT.
 */
@Global()
@Module({ providers: [DomainEvents, LowBalanceThresholds], exports: [DomainEvents, LowBalanceThresholds] })
export class EventsModule implements OnModuleInit {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  onModuleInit(): void {
    if (!this.db.subscribers.some((s) => s instanceof AfterCommitSubscriber)) {
      this.db.subscribers.push(new AfterCommitSubscriber());
    }
  }
}
