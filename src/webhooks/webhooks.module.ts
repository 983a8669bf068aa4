import { Module } from '@nestjs/common';
import { SpendControlsModule } from '../spend-controls/spend-controls.module';
import { BillingModule } from '../payments/billing.module';
import { PlansModule } from '../plans/plans.module';
import { AdminWebhookEventsController } from './admin-webhook-events.controller';
import { AdminWebhookEventsService } from './admin-webhook-events.service';
import { STRIPE_EVENT_HANDLERS } from './handlers';
import { WebhookInboxService } from './webhook-inbox.service';
import { WEBHOOK_INBOX_GAUGES, WebhookInboxMetrics } from './webhook-inbox.metrics';
import { WebhookProcessor } from './webhook-processor.service';
import { WebhookReplayService } from './webhook-replay.service';
import { WebhookSignatureService } from './webhook-signature.service';
import { WebhookWorker } from './webhook-worker.service';
import { WebhooksController } from './webhooks.controller';

/** verify → store → dispatch (EventEmitter, one handler per event type, @OnStripeEvent) → retry; replay. */
@Module({
  imports: [BillingModule, PlansModule, SpendControlsModule],
  controllers: [WebhooksController, AdminWebhookEventsController],
  providers: [
    WebhookSignatureService,
    WebhookInboxService,
    WebhookProcessor,
    WebhookWorker,
    AdminWebhookEventsService,
    WebhookReplayService,
    ...STRIPE_EVENT_HANDLERS,
    WebhookInboxMetrics,
    ...WEBHOOK_INBOX_GAUGES,
  ],
  exports: [WebhookProcessor, WebhookInboxService, WebhookReplayService],
})
export class WebhooksModule {}
