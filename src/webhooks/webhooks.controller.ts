import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiNotThrottled } from '../common/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { Public } from '../common/decorators';
import { WebhookInboxService } from './webhook-inbox.service';
import { WebhookProcessor } from './webhook-processor.service';
import { WebhookSignatureService } from './webhook-signature.service';
import { TollgateMetrics } from '../metrics/metrics.service';

/**
 * POST /payments/webhook (the spec's path): raw body → verify → record → ack → process.
 * 2xx only once the event is durably stored; a storage failure answers 5xx so Stripe retries.
 */
@ApiTags('webhooks')
@Public()
@SkipThrottle()
@ApiNotThrottled()
@Controller('payments')
export class WebhooksController {
  constructor(
    private readonly signatures: WebhookSignatureService,
    private readonly inbox: WebhookInboxService,
    private readonly processor: WebhookProcessor,
    private readonly metrics: TollgateMetrics,
  ) {}

  @Post('webhook')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Stripe webhook endpoint (signature-verified; at-least-once, any order)',
    description:
      'Called by Stripe, not by clients. 200 once stored; duplicates are acknowledged and ignored.',
  })
  @ApiHeader({ name: 'Stripe-Signature', required: true })
  @ApiOkResponse({ schema: { example: { received: true, duplicate: false } } })
  @ApiErrors(400, 413)
  async receive(@Req() req: FastifyRequest, @Headers('stripe-signature') signature?: string) {
    let event: ReturnType<WebhookSignatureService['verify']>;
    try {
      event = this.signatures.verify(req.body, signature, req.ip);
    } catch (err) {
      this.metrics.webhook('signature_failed');
      throw err;
    }
    this.metrics.webhook('received');
    const isNew = await this.inbox.record(event);
    if (!isNew) this.metrics.webhook('duplicate');
    if (isNew) this.processor.processSoon(event.id);
    return { received: true, duplicate: !isNew };
  }
}
