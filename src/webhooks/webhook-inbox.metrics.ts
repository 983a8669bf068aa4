import { Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { makeGaugeProvider } from '@willsoto/nestjs-prometheus';
import { METRIC } from '../metrics/metrics';
import { WebhookInboxService } from './webhook-inbox.service';

type Backlog = () => Promise<{ count: number; oldestSeconds: number }>;
/** prom-client metrics live once per process; the gauges read whichever app instance is up (tests boot many). */
let source: Backlog | undefined;

/** The inbox gauges, read at scrape time from the inbox's owner (one cheap indexed query per scrape). */
export const WEBHOOK_INBOX_GAUGES = [
  makeGaugeProvider({
    name: METRIC.webhookBacklog,
    help: 'Stripe events stored but not yet done (pending, failed awaiting retry, processing).',
    async collect() {
      if (source) this.set((await source()).count);
    },
  }),
  makeGaugeProvider({
    name: METRIC.webhookOldestPending,
    help: 'Age in seconds of the oldest Stripe event not yet done (0 when none).',
    async collect() {
      if (source) this.set((await source()).oldestSeconds);
    },
  }),
];

@Injectable()
export class WebhookInboxMetrics implements OnModuleInit, OnApplicationShutdown {
  private readonly read: Backlog;

  constructor(inbox: WebhookInboxService) {
    this.read = () => inbox.backlog();
  }

  onModuleInit(): void {
    source = this.read;
  }

  onApplicationShutdown(): void {
    if (source === this.read) source = undefined;
  }
}
