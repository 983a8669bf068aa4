import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import type { EntityManager } from 'typeorm';
import { afterCommit } from '../common/events/after-commit';
import { DomainEvents } from '../common/events/domain-events';
import { CreditsPosted } from '../common/facts';
import {
  METER_REPORT_OUTCOMES,
  METRIC,
  OUTBOUND_ATTEMPT_OUTCOMES,
  type MeterReportOutcome,
  type MeterUsageMismatch,
  type OutboundAttemptOutcome,
  type WebhookDeliveryOutcome,
} from './metrics';

const CLAWBACKS = new Set(['refund_clawback', 'dispute_clawback']);

/**
 * Typed counters for the business events (CONVENTIONS §9: counted after commit, so undone work is never
 * counted). Domain services call these; only this module knows prom-client.
 */
@Injectable()
export class TollgateMetrics implements OnModuleInit {
  constructor(
    private readonly events: DomainEvents,
    @InjectMetric(METRIC.checkoutsCreated) private readonly checkouts: Counter<'mode'>,
    @InjectMetric(METRIC.payments) private readonly payments: Counter<'result' | 'kind'>,
    @InjectMetric(METRIC.webhookDeliveries) private readonly webhooks: Counter<'outcome'>,
    @InjectMetric(METRIC.creditsGranted) private readonly granted: Counter<'reason'>,
    @InjectMetric(METRIC.creditsConsumed) private readonly consumed: Counter,
    @InjectMetric(METRIC.creditsClawedBack) private readonly clawedBack: Counter<'reason'>,
    @InjectMetric(METRIC.creditsRemoved) private readonly removed: Counter<'reason'>,
    @InjectMetric(METRIC.consumeFailures) private readonly consumeFailures: Counter<'reason'>,
    @InjectMetric(METRIC.consumeStatementRequests) private readonly consumeStatements: Histogram,
    @InjectMetric(METRIC.stripeDuration)
    private readonly stripeDuration: Histogram<'method' | 'path' | 'status'>,
    @InjectMetric(METRIC.stripeErrors) private readonly stripeErrors: Counter<'method' | 'path' | 'status'>,
    @InjectMetric(METRIC.retentionPruned) private readonly pruned: Counter<'table'>,
    @InjectMetric(METRIC.retentionRuns) private readonly retentionRuns: Counter<'outcome'>,
    @InjectMetric(METRIC.outboundAttempts) private readonly outboundAttempts: Counter<'outcome'>,
    @InjectMetric(METRIC.meterReports) private readonly meterReports: Counter<'outcome'>,
    @InjectMetric(METRIC.meterUsageMismatches) private readonly meterMismatches: Counter<'reason'>,
  ) {
    // Every outcome is exported from the start (at 0), so rate() and sums see it before its first attempt.
    for (const outcome of OUTBOUND_ATTEMPT_OUTCOMES) this.outboundAttempts.inc({ outcome }, 0);
    for (const outcome of METER_REPORT_OUTCOMES) this.meterReports.inc({ outcome }, 0);
  }

  /** One meter report attempt's outcome (sent, duplicate: Stripe had its identifier, retried, dead, rate_limited). */
  meterReport(outcome: MeterReportOutcome): void {
    this.meterReports.inc({ outcome });
  }

  /** A closing period whose usage differs from Stripe's meter in a way retrying will not fix. */
  meterUsageMismatch(reason: MeterUsageMismatch): void {
    this.meterMismatches.inc({ reason });
  }

  outboundAttempt(outcome: OutboundAttemptOutcome): void {
    this.outboundAttempts.inc({ outcome });
  }

  /** Credits counted from the ledger's facts, once their transaction committed (a rollback counts nothing). */
  onModuleInit(): void {
    this.events.afterCommit(CreditsPosted, (fact) => {
      if (fact.cause.kind === 'consume') {
        this.consumed.inc(fact.cause.amount);
        return;
      }
      for (const mv of fact.movements) this.countMovement(mv.reason, mv.amount);
    });
  }

  checkoutCreated(mode: string): void {
    this.checkouts.inc({ mode });
  }

  /** kind: `credit_pack` (a paid package checkout) or `invoice` (a subscription's creation or renewal). */
  payment(m: EntityManager | null, result: 'succeeded' | 'failed', kind: string): void {
    afterCommit(m, () => this.payments.inc({ result, kind }));
  }

  webhook(outcome: WebhookDeliveryOutcome): void {
    this.webhooks.inc({ outcome });
  }

  /** One ledger movement (not consumes): grants, clawbacks and other removals, by reason. */
  private countMovement(reason: string, amount: number): void {
    if (amount === 0) return;
    if (CLAWBACKS.has(reason)) this.clawedBack.inc({ reason }, Math.abs(amount));
    else if (amount > 0) this.granted.inc({ reason }, amount);
    else this.removed.inc({ reason }, -amount);
  }

  consumeFailed(reason: 'insufficient_credits'): void {
    this.consumeFailures.inc({ reason });
  }

  /** One consume statement run on its own, for `requests` requests (batched under load). */
  consumeStatement(requests: number): void {
    this.consumeStatements.observe(requests);
  }

  /** One committed retention batch. */
  retentionPruned(table: string, rows: number): void {
    if (rows > 0) this.pruned.inc({ table }, rows);
  }

  retentionRun(outcome: 'ran' | 'skipped' | 'failed'): void {
    this.retentionRuns.inc({ outcome });
  }

  /** From the Stripe SDK's `response` event: method, path template, status, elapsed ms. */
  stripeResponse(method: string, path: string, status: number, elapsedMs: number): void {
    const labels = { method, path: pathTemplate(path), status: String(status) };
    this.stripeDuration.observe(labels, elapsedMs / 1000);
    if (status >= 400) this.stripeErrors.inc(labels);
  }
}

/** `/v1/customers/cus_123/balance?x` → `/v1/customers/:id/balance`: bounded label values. */
export function pathTemplate(path: string): string {
  return path
    .split('?')[0]
    .split('/')
    .map((seg) => (/^[a-z]+_(?=[A-Za-z0-9_]*[A-Z0-9])[A-Za-z0-9_]+$|^\d+$/.test(seg) ? ':id' : seg))
    .join('/');
}
