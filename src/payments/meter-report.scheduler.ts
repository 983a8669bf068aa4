import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { meterReportsConfig, MeterReportsConfig } from '../config/meter-reports.config';
import { MeterReporter } from './meter-reporter.service';

/**
 * Runs the meter report worker every METER_REPORTS_INTERVAL_MS on every instance (leases keep replicas apart);
 * a run still in progress is not started again. Off with METER_REPORTS_ENABLED=false.
 */
@Injectable()
export class MeterReportScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly reporter: MeterReporter,
    @Inject(meterReportsConfig.KEY) private readonly config: MeterReportsConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.enabled) return;
    // runOnce logs its own failures; the next tick tries again.
    this.timer = setInterval(
      () => void this.reporter.runOnce().catch(() => undefined),
      this.config.intervalMs,
    );
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}
