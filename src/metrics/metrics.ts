/** Every metric Tollgate exports, by name: one place to read what /metrics means (docs/operations.md too). */
export const METRIC = {
  httpDuration: 'tollgate_http_request_duration_seconds',
  checkoutsCreated: 'tollgate_checkouts_created_total',
  payments: 'tollgate_payments_total',
  webhookDeliveries: 'tollgate_webhook_deliveries_total',
  webhookBacklog: 'tollgate_webhook_inbox_backlog',
  webhookOldestPending: 'tollgate_webhook_inbox_oldest_pending_seconds',
  creditsGranted: 'tollgate_credits_granted_total',
  creditsConsumed: 'tollgate_credits_consumed_total',
  creditsClawedBack: 'tollgate_credits_clawed_back_total',
  creditsRemoved: 'tollgate_credits_removed_total',
  consumeFailures: 'tollgate_credits_consume_failures_total',
  consumeStatementRequests: 'tollgate_credits_consume_statement_requests',
  stripeDuration: 'tollgate_stripe_api_request_duration_seconds',
  stripeErrors: 'tollgate_stripe_api_errors_total',
  outboundAttempts: 'tollgate_outbound_delivery_attempts_total',
  outboundDisabledEndpoints: 'tollgate_outbound_disabled_endpoints',
  outboundUndelivered: 'tollgate_outbound_undelivered',
  outboundOldestUndelivered: 'tollgate_outbound_oldest_undelivered_seconds',
  meterReports: 'tollgate_meter_reports_total',
  meterReportsPending: 'tollgate_meter_reports_pending',
  meterReportsDead: 'tollgate_meter_reports_dead',
  meterReportsOldestPending: 'tollgate_meter_reports_oldest_pending_seconds',
  meterUsageMismatches: 'tollgate_meter_usage_mismatches_total',
  retentionPruned: 'tollgate_retention_pruned_total',
  retentionRuns: 'tollgate_retention_runs_total',
} as const;

export const OUTBOUND_ATTEMPT_OUTCOMES = ['sent', 'failed', 'retried', 'endpoints_disabled'] as const;
export type OutboundAttemptOutcome = (typeof OUTBOUND_ATTEMPT_OUTCOMES)[number];

export const METER_REPORT_OUTCOMES = ['sent', 'duplicate', 'retried', 'dead', 'rate_limited'] as const;
export type MeterReportOutcome = (typeof METER_REPORT_OUTCOMES)[number];

/** Why a closing period's usage differs from Stripe's: dead reports, no meter for the event name, or unexplained. */
export type MeterUsageMismatch = 'dead_reports' | 'no_meter' | 'unexplained';

export type WebhookDeliveryOutcome =
  'received' | 'duplicate' | 'signature_failed' | 'processed' | 'ignored' | 'failed' | 'dead';
