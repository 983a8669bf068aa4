import { Global, Module } from '@nestjs/common';
import { makeCounterProvider, makeHistogramProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { MetricsController } from './metrics.controller';
import { METRIC } from './metrics';
import { TollgateMetrics } from './metrics.service';
import { HttpMetrics } from './http-metrics';
import { MetricsPortServer } from './metrics-port.server';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Prometheus through @willsoto/nestjs-prometheus: GET /metrics (MetricsController guards it), process
 * metrics, and Tollgate's own counters. Global, so a domain service injects TollgateMetrics without imports.
 */
@Global()
@Module({
  imports: [PrometheusModule.register({ controller: MetricsController, path: '/metrics' })],
  providers: [
    TollgateMetrics,
    HttpMetrics,
    MetricsPortServer,
    makeHistogramProvider({
      name: METRIC.httpDuration,
      help: 'HTTP requests by route template, method and status, in seconds.',
      labelNames: ['route', 'method', 'status'],
      buckets: SECONDS,
    }),
    makeCounterProvider({
      name: METRIC.checkoutsCreated,
      help: 'Checkout sessions created, by mode.',
      labelNames: ['mode'],
    }),
    makeCounterProvider({
      name: METRIC.payments,
      help: 'Payments recorded from Stripe, by result (succeeded|failed) and kind (credit_pack|invoice|checkout).',
      labelNames: ['result', 'kind'],
    }),
    makeCounterProvider({
      name: METRIC.webhookDeliveries,
      help: 'Stripe webhook deliveries and event outcomes: received, duplicate, signature_failed, processed, ignored, failed, dead.',
      labelNames: ['outcome'],
    }),
    makeCounterProvider({
      name: METRIC.creditsGranted,
      help: 'Credits granted, by ledger reason.',
      labelNames: ['reason'],
    }),
    makeCounterProvider({ name: METRIC.creditsConsumed, help: 'Credits consumed.' }),
    makeCounterProvider({
      name: METRIC.creditsClawedBack,
      help: 'Credits taken back after a refund or dispute, by reason.',
      labelNames: ['reason'],
    }),
    makeCounterProvider({
      name: METRIC.creditsRemoved,
      help: 'Credits removed otherwise (period expiry, subscription ended, admin), by reason.',
      labelNames: ['reason'],
    }),
    makeCounterProvider({
      name: METRIC.consumeFailures,
      help: 'Consume requests refused, by reason.',
      labelNames: ['reason'],
    }),
    makeHistogramProvider({
      name: METRIC.consumeStatementRequests,
      help: 'Consume requests per consume statement run on its own (above 1: requests that arrived together shared one statement and one commit).',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    }),
    makeHistogramProvider({
      name: METRIC.stripeDuration,
      help: 'Stripe API requests by method, path template and status, in seconds.',
      labelNames: ['method', 'path', 'status'],
      buckets: SECONDS,
    }),
    makeCounterProvider({
      name: METRIC.stripeErrors,
      help: 'Stripe API requests that failed (status >= 400, or network), by method, path template and status.',
      labelNames: ['method', 'path', 'status'],
    }),
    makeCounterProvider({
      name: METRIC.outboundAttempts,
      help: 'Outbound webhook delivery attempts by outcome: sent, failed (retries exhausted), retried, endpoints_disabled.',
      labelNames: ['outcome'],
    }),
    makeCounterProvider({
      name: METRIC.meterReports,
      help: 'Meter report attempts to Stripe by outcome: sent, duplicate (Stripe already had the identifier), retried, dead, rate_limited.',
      labelNames: ['outcome'],
    }),
    makeCounterProvider({
      name: METRIC.meterUsageMismatches,
      help: "Closing periods whose recorded overage differs from Stripe's meter, by reason: dead_reports, no_meter, unexplained.",
      labelNames: ['reason'],
    }),
    makeCounterProvider({
      name: METRIC.retentionPruned,
      help: 'Rows deleted by the retention job, by table (never credit_ledger).',
      labelNames: ['table'],
    }),
    makeCounterProvider({
      name: METRIC.retentionRuns,
      help: 'Scheduled retention runs on this instance, by outcome: ran, skipped (another instance held the lock), failed.',
      labelNames: ['outcome'],
    }),
  ],
  exports: [TollgateMetrics, HttpMetrics, MetricsPortServer],
})
export class MetricsModule {}
