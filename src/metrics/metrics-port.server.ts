import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { register } from 'prom-client';
import { appConfig, AppConfig } from '../config/app.config';
import { metricsConfig, MetricsConfig } from '../config/metrics.config';

/**
 * GET /metrics on METRICS_PORT: a plain HTTP server beside the API, the convention Prometheus expects when it
 * scrapes pods by IP. No Host allow-list (the scraper's Host is the pod IP) and no token (annotations and most
 * scrape configs cannot send one): the port is kept off the Service, so only the cluster network reaches it.
 * The main port's /metrics keeps its own rules (METRICS_TOKEN).
 */
@Injectable()
export class MetricsPortServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server?: Server;

  constructor(
    @Inject(metricsConfig.KEY) private readonly metrics: MetricsConfig,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
  ) {}

  /** The bound port (differs from METRICS_PORT when it is 0), or undefined when the server is off. */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.metrics.port === undefined) return;
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'GET' || path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: GET /metrics\n');
        return;
      }
      register.metrics().then(
        (text) => res.writeHead(200, { 'content-type': register.contentType }).end(text),
        (err: unknown) => {
          this.logger.error(`metrics collection failed: ${err instanceof Error ? err.message : String(err)}`);
          res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.metrics.port, this.app.host, () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics on http://${this.app.host}:${this.port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
