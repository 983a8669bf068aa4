import { OUTBOUND_GAUGES, OutboundMetricsSource } from './outbound.metrics';
import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { OutboundDeliveryService } from './outbound-delivery.service';
import { OutboundDeliveryWorker } from './outbound-delivery.worker';
import { OutboundEventsReader } from './outbound-events-reader';
import { OutboundEventsService } from './outbound-events.service';
import { WebhookEndpointsController } from './endpoints.controller';
import { WebhookEndpointsService } from './endpoints.service';
import { AutoTopUpReactions } from './reactions/auto-top-up.reactions';
import { BillingReactions } from './reactions/billing.reactions';
import { CreditReactions } from './reactions/credit.reactions';

/**
 * Outbound events: the host app's webhook endpoints, the transactional outbox (written only by this module's
 * reactions to the facts other modules publish, inside their transaction) and the worker that delivers it.
 */
@Module({
  imports: [UsersModule],
  controllers: [WebhookEndpointsController],
  providers: [
    OutboundEventsService,
    OutboundEventsReader,
    OutboundDeliveryService,
    OutboundDeliveryWorker,
    WebhookEndpointsService,
    OutboundMetricsSource,
    CreditReactions,
    BillingReactions,
    AutoTopUpReactions,
    ...OUTBOUND_GAUGES,
  ],
  exports: [OutboundDeliveryService, OutboundEventsReader],
})
export class OutboundModule {}
