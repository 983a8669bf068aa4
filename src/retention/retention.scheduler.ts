import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { databaseConfig, DatabaseConfig } from '../config/database.config';
import { retentionConfig, RetentionConfig } from '../config/retention.config';
import { TollgateMetrics } from '../metrics/metrics.service';
import { describeReport, RetentionReport, runRetention } from './retention';

const JOB = 'retention';

/**
 * Schedules the retention run on every instance (@nestjs/schedule's registry, RETENTION_INTERVAL_MINUTES);
 * the advisory lock inside runRetention makes replicas whose timers fire together prune once. Counted in
 * /metrics: rows pruned per table, runs by outcome.
 */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Retention');
  private current?: Promise<RetentionReport>;
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(retentionConfig.KEY) private readonly config: RetentionConfig,
    @Inject(databaseConfig.KEY) private readonly database: DatabaseConfig,
    private readonly metrics: TollgateMetrics,
    private readonly registry: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.enabled) return;
    const timer = setInterval(
      () => void this.run().catch(() => undefined),
      this.config.intervalMinutes * 60_000,
    );
    timer.unref();
    this.registry.addInterval(JOB, timer);
  }

  /** One run now; while one is in progress on this instance, that one. */
  run(): Promise<RetentionReport> {
    this.current ??= this.execute().finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.registry.doesExist('interval', JOB)) this.registry.deleteInterval(JOB);
    await this.current?.catch(() => undefined);
  }

  private async execute(): Promise<RetentionReport> {
    try {
      const report = await runRetention(this.db, this.config, {
        embedded: this.database.embedded,
        onBatch: (table, rows) => this.metrics.retentionPruned(table, rows),
        stopped: () => this.stopping,
      });
      if (report.outcome === 'skipped') {
        this.metrics.retentionRun('skipped');
        this.logger.debug('retention: another instance holds the retention lock; skipped this run');
      } else {
        this.metrics.retentionRun('ran');
        this.logger.log({ tables: report.tables }, `retention: pruned ${describeReport(report)}`);
      }
      return report;
    } catch (err) {
      this.metrics.retentionRun('failed');
      this.logger.error({ err }, 'retention run failed; the next interval tries again');
      throw err;
    }
  }
}
