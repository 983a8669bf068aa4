import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import { METRIC } from '../metrics/metrics';
import { MeterReportsService, type MeterReportsOverview } from './meter-reports.service';

type Read = () => Promise<MeterReportsOverview>;
/** prom-client metrics live once per process; the gauges read whichever app instance is up (tests boot many). */
let source: Read | undefined;

/**
 * Meter report gauges, read at scrape time from the outbox's owner (partial indexes only): reports waiting to
 * be sent, dead ones (an operator retries them), and the oldest unsent one's age. Attempts are a counter
 * (`tollgate_meter_reports_total`, TollgateMetrics.meterReport).
 */
export const METER_REPORT_GAUGES = [
  makeGaugeProvider({
    name: METRIC.meterReportsPending,
    help: 'Meter reports not yet sent to Stripe (pending or being sent).',
    async collect() {
      if (source) {
        const o = await source();
        this.set(o.pending + o.sending);
      }
    },
  }),
  makeGaugeProvider({
    name: METRIC.meterReportsDead,
    help: 'Meter reports given up (dead): usage Stripe will not bill until an operator retries them.',
    async collect() {
      if (source) this.set((await source()).dead);
    },
  }),
  makeGaugeProvider({
    name: METRIC.meterReportsOldestPending,
    help: 'Age in seconds of the oldest meter report not yet sent (0 when none).',
    async collect() {
      if (source) this.set((await source()).oldest_pending_age_seconds ?? 0);
    },
  }),
];

@Injectable()
export class MeterReportsMetricsSource implements OnModuleInit, OnApplicationShutdown {
  private readonly read: Read;

  constructor(reports: MeterReportsService) {
    this.read = () => reports.overview();
  }

  onModuleInit(): void {
    source = this.read;
  }

  onApplicationShutdown(): void {
    if (source === this.read) source = undefined;
  }
}
