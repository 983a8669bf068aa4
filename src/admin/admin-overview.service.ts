import { Injectable } from '@nestjs/common';
import { register, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { METRIC } from '../metrics/metrics';
import type { AdminOverviewDto } from './dto/admin-payments.dto';

/** The console's dashboard: the figures GET /metrics exposes, read from the same registry (no second count). */
@Injectable()
export class AdminOverviewService {
  async overview(): Promise<AdminOverviewDto> {
    const metrics: Array<MetricObjectWithValues<MetricValue<string>>> = await register.getMetricsAsJSON();
    const sum = (name: string): number =>
      (metrics.find((m) => m.name === name)?.values ?? []).reduce(
        (total, v) => total + Number(v.value || 0),
        0,
      );
    return {
      webhook_inbox_backlog: sum(METRIC.webhookBacklog),
      outbound_undelivered: sum(METRIC.outboundUndelivered),
      outbound_disabled_endpoints: sum(METRIC.outboundDisabledEndpoints),
      credits_granted: sum(METRIC.creditsGranted),
      credits_consumed: sum(METRIC.creditsConsumed),
      credits_clawed_back: sum(METRIC.creditsClawedBack),
    };
  }
}
