import { Module } from '@nestjs/common';
import { RetentionScheduler } from './retention.scheduler';

/**
 * Retention of the operational tables (webhook inbox, Idempotency-Key records, delivered outbox). Each rule
 * lives beside its table's owner; this module only schedules them. The credit ledger is never pruned.
 */
@Module({ providers: [RetentionScheduler], exports: [RetentionScheduler] })
export class RetentionModule {}
