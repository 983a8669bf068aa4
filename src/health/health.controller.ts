import { Controller, Get, Inject, Logger, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { appConfig, AppConfig } from '../config/app.config';
import { Public } from '../common/decorators';
import { ShutdownState } from './shutdown-state.service';
import { ApiNotThrottled } from '../common/swagger';
import { StripeHealthIndicator } from './stripe.health';

@ApiTags('health')
@Public()
@SkipThrottle()
@ApiNotThrottled()
@Controller('health')
export class HealthController {
  private readonly logger = new Logger('Health');
  /** What GET /health last found down ('' = all up): a monitor polling an outage logs once, not per call. */
  private lastDown = '';

  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly stripe: StripeHealthIndicator,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers. Checks no dependency.' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: the database answers within 1 s and no shutdown is draining; 503 otherwise.',
  })
  ready() {
    if (this.shutdown.draining) {
      const down = { shutdown: { status: 'down', message: 'draining: shutting down' } };
      throw new ServiceUnavailableException({ status: 'error', info: {}, error: down, details: down });
    }
    return this.health.check([() => this.db.pingCheck('database', { timeout: 1000 })]);
  }

  @Get()
  @ApiOperation({ summary: "The spec's health check for monitoring: database and Stripe. Not for probes." })
  @ApiOkResponse({
    schema: {
      example: {
        status: 'healthy',
        timestamp: '2026-11-29T06:00:00.000Z',
        version: '0.1.0',
        checks: { database: { status: 'up' }, stripe: { status: 'up' } },
      },
    },
  })
  @ApiServiceUnavailableResponse({ description: 'status "unhealthy" with the failing checks' })
  async full() {
    const result = await this.health
      .check([() => this.db.pingCheck('database', { timeout: 1000 }), () => this.stripe.check('stripe')])
      .catch((err: { response?: { info?: unknown; error?: unknown; details?: unknown } }) => ({
        failed: true,
        details: err.response?.details,
      }));
    const failed = 'failed' in result;
    this.logTransition(result.details as Record<string, { status: string; message?: string }> | undefined);
    const body = {
      status: failed ? 'unhealthy' : 'healthy',
      timestamp: new Date().toISOString(),
      version: this.app.version,
      checks: result.details,
    };
    if (failed) throw new ServiceUnavailableException(body);
    return body;
  }

  private logTransition(details: Record<string, { status: string; message?: string }> | undefined): void {
    const down = Object.entries(details ?? {})
      .filter(([, check]) => check.status !== 'up')
      .map(([name, check]) => `${name}${check.message ? ` (${check.message})` : ''}`)
      .join(', ');
    if (down === this.lastDown) return;
    if (down) this.logger.warn(`health: ${down} down`);
    else this.logger.log(`health: every check is up again (was down: ${this.lastDown})`);
    this.lastDown = down;
  }
}
