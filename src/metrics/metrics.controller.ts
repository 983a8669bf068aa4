import { timingSafeEqual, createHash } from 'node:crypto';
import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { Public } from '../common/decorators';
import { AppError, ErrorCode } from '../common/errors';
import { metricsConfig, MetricsConfig } from '../config/metrics.config';

export type MetricsAccess = 'allowed' | 'disabled' | 'token_missing' | 'token_invalid';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Who may scrape: off, open (no token configured, not production), or a bearer token in constant time. */
export function metricsAccess(config: MetricsConfig, authorization: string | undefined): MetricsAccess {
  if (!config.enabled) return 'disabled';
  if (config.token === undefined) return 'allowed';
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) return 'token_missing';
  return timingSafeEqual(digest(match[1]), digest(config.token)) ? 'allowed' : 'token_invalid';
}

/** GET /metrics: Prometheus text format; not in Swagger, not throttled, not behind user auth. */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller()
export class MetricsController extends PrometheusController {
  constructor(@Inject(metricsConfig.KEY) private readonly config: MetricsConfig) {
    super();
  }

  @Get()
  override async index(
    @Res({ passthrough: true }) response: unknown,
    @Headers('authorization') authorization?: string,
  ) {
    const access = metricsAccess(this.config, authorization);
    if (access === 'disabled') throw new AppError(ErrorCode.NotFound);
    if (access === 'token_missing') throw new AppError(ErrorCode.AuthTokenMissing);
    if (access === 'token_invalid') throw new AppError(ErrorCode.AuthTokenInvalid);
    return super.index(response);
  }
}
