import type { EntityManager, QueryRunner } from 'typeorm';
import type { EntitySubscriberInterface, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';

const PENDING = Symbol('tollgate.afterCommit');
type Pending = { [PENDING]?: Array<() => void> };

/**
 * Runs `fn` once the transaction `m` belongs to commits (at once outside a transaction); a rollback drops it.
 * For side effects that must not count work that was undone: metrics, info log lines.
 */
export function afterCommit(m: EntityManager | null, fn: () => void): void {
  const runner = m?.queryRunner;
  if (!runner?.isTransactionActive) {
    fn();
    return;
  }
  const data = runner.data as Pending;
  (data[PENDING] ??= []).push(fn);
}

function take(runner: QueryRunner): Array<() => void> {
  const data = runner.data as Pending;
  const pending = data[PENDING] ?? [];
  delete data[PENDING];
  return pending;
}

/** The TypeORM subscriber that flushes afterCommit callbacks at the outermost COMMIT (savepoints wait). */
export class AfterCommitSubscriber implements EntitySubscriberInterface {
  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (event.queryRunner.isTransactionActive) return; // a savepoint was released; the outer one decides
    for (const fn of take(event.queryRunner)) fn();
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) take(event.queryRunner);
  }
}
