import type { EntityManager, QueryRunner } from 'typeorm';
import { loadMetricsConfig } from '../config/metrics.config';
import { afterCommit, AfterCommitSubscriber } from '../common/events/after-commit';
import { metricsAccess } from './metrics.controller';
import { pathTemplate } from './metrics.service';

describe('metrics', () => {
  it('/metrics is open locally, off in production without METRICS_TOKEN, bearer-only with one', () => {
    expect(metricsAccess(loadMetricsConfig({}), undefined)).toBe('allowed');
    expect(metricsAccess(loadMetricsConfig({ NODE_ENV: 'production' }), undefined)).toBe('disabled');
    expect(metricsAccess(loadMetricsConfig({ METRICS_ENABLED: 'false' }), undefined)).toBe('disabled');
    const guarded = loadMetricsConfig({ NODE_ENV: 'production', METRICS_TOKEN: 'a-long-enough-token' });
    expect(metricsAccess(guarded, undefined)).toBe('token_missing');
    expect(metricsAccess(guarded, 'Bearer wrong')).toBe('token_invalid');
    expect(metricsAccess(guarded, 'Bearer a-long-enough-token')).toBe('allowed');
    expect(() => loadMetricsConfig({ METRICS_TOKEN: 'short' })).toThrow('METRICS_TOKEN');
  });

  it('Stripe paths become bounded templates (ids out, resource names kept)', () => {
    expect(pathTemplate('/v1/customers/cus_Q8xk2Lm/balance_transactions?limit=3')).toBe(
      '/v1/customers/:id/balance_transactions',
    );
    expect(pathTemplate('/v1/checkout/sessions/cs_test_a1B2')).toBe('/v1/checkout/sessions/:id');
    expect(pathTemplate('/v1/test_helpers/test_clocks')).toBe('/v1/test_helpers/test_clocks');
    expect(pathTemplate('/v1/payment_intents')).toBe('/v1/payment_intents');
  });

  it('afterCommit runs at the outermost commit, never after a rollback, at once outside a transaction', () => {
    const runner = { isTransactionActive: true, data: {} } as unknown as QueryRunner;
    const m = { queryRunner: runner } as EntityManager;
    const ran: string[] = [];
    const subscriber = new AfterCommitSubscriber();

    afterCommit(null, () => ran.push('no transaction'));
    afterCommit(m, () => ran.push('committed'));
    subscriber.afterTransactionCommit({ queryRunner: runner } as never); // a savepoint: still active
    expect(ran).toEqual(['no transaction']);
    (runner as { isTransactionActive: boolean }).isTransactionActive = false;
    subscriber.afterTransactionCommit({ queryRunner: runner } as never);
    expect(ran).toEqual(['no transaction', 'committed']);

    (runner as { isTransactionActive: boolean }).isTransactionActive = true;
    afterCommit(m, () => ran.push('rolled back'));
    (runner as { isTransactionActive: boolean }).isTransactionActive = false;
    subscriber.afterTransactionRollback({ queryRunner: runner } as never);
    subscriber.afterTransactionCommit({ queryRunner: runner } as never);
    expect(ran).toEqual(['no transaction', 'committed']);
  });
});
