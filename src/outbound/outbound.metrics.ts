import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import { METRIC } from '../metrics/metrics';
import { OutboundDeliveryService, type OutboundMetrics } from './outbound-delivery.service';

type Read = () => Promise<OutboundMetrics>;
/** prom-client metrics live once per process; the gauges read whichever app instance is up (tests boot many). */
let source: Read | undefined;

/**
 * Outbound delivery gauges, read at scrape time from the outbox's owner (one indexed query per scrape):
 * disabled endpoints, and the undelivered backlog and its age. Attempts are a counter
 * (`tollgate_outbound_delivery_attempts_total`, TollgateMetrics.outboundAttempt).
 */
export const OUTBOUND_GAUGES = [
  makeGaugeProvider({
    name: METRIC.outboundDisabledEndpoints,
    help: 'Webhook endpoints currently disabled (by an operator or after sustained failure).',
    async collect() {
      if (source) this.set((await source()).disabled_endpoints);
    },
  }),
  makeGaugeProvider({
    name: METRIC.outboundUndelivered,
    help: 'Outbound deliveries not yet delivered (pending or being sent).',
    async collect() {
      if (source) this.set((await source()).undelivered);
    },
  }),
  makeGaugeProvider({
    name: METRIC.outboundOldestUndelivered,
    help: 'Age in seconds of the oldest undelivered outbound delivery (0 when none).',
    async collect() {
      if (source) this.set((await source()).oldest_undelivered_age_seconds ?? 0);
    },
  }),
];

@Injectable()
export class OutboundMetricsSource implements OnModuleInit, OnApplicationShutdown {
  private readonly read: Read;

  constructor(deliveries: OutboundDeliveryService) {
    this.read = () => deliveries.metrics();
  }

  onModuleInit(): void {
    source = this.read;
  }

  onApplicationShutdown(): void {
    if (source === this.read) source = undefined;
  }
}
