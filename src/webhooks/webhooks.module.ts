import { Module } from '@nestjs/common';
import { BillingModule } from '../payments/billing.module';
import { PlansModule } from '../plans/plans.module';
import { AdminWebhookEventsController } from './admin-webhook-events.controller';
import { AdminWebhookEventsService } from './admin-webhook-events.service';
import { CATALOG_HANDLERS } from './handlers/catalog-handlers';
import { PAYMENT_HANDLERS } from './handlers/payment-handlers';
import { WebhookInboxService } from './webhook-inbox.service';
import { WebhookProcessor } from './webhook-processor.service';
import { WebhookSignatureService } from './webhook-signature.service';
import { WebhookWorker } from './webhook-worker.service';
import { WebhooksController } from './webhooks.controller';

/** verify → store → dispatch (EventEmitter, one handler per event type) → retry. */
@Module({
  imports: [BillingModule, PlansModule],
  controllers: [WebhooksController, AdminWebhookEventsController],
  providers: [
    WebhookSignatureService,
    WebhookInboxService,
    WebhookProcessor,
    WebhookWorker,
    AdminWebhookEventsService,
    ...PAYMENT_HANDLERS,
    ...CATALOG_HANDLERS,
  ],
  exports: [WebhookProcessor, WebhookInboxService],
})
export class WebhooksModule {}
