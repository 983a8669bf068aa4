import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Histogram } from 'prom-client';
import { METRIC } from './metrics';

/** Fed by the onResponse hook in setupApp (no interceptor: one observe per request, nothing else). */
@Injectable()
export class HttpMetrics {
  constructor(
    @InjectMetric(METRIC.httpDuration) private readonly duration: Histogram<'route' | 'method' | 'status'>,
  ) {}

  /** `route` is the route template (`/payments/checkout-session/:id`), or `unmatched` for a 404 on no route. */
  observe(route: string | undefined, method: string, status: number, elapsedMs: number): void {
    this.duration.observe({ route: route ?? 'unmatched', method, status: String(status) }, elapsedMs / 1000);
  }
}
