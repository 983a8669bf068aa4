import { OUTBOUND_GAUGES, OutboundMetricsSource } from './outbound.metrics';
import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { OutboundDeliveryService } from './outbound-delivery.service';
import { OutboundDeliveryWorker } from './outbound-delivery.worker';
import { OutboundEventsService } from './outbound-events.service';
import { WebhookEndpointsController } from './endpoints.controller';
import { WebhookEndpointsService } from './endpoints.service';

/**
 * Outbound events: the host app's webhook endpoints, the transactional outbox other modules write to
 * (OutboundEventsService.emit, inside their transaction) and the worker that signs and delivers it.
 */
@Module({
  imports: [UsersModule],
  controllers: [WebhookEndpointsController],
  providers: [
    OutboundEventsService,
    OutboundDeliveryService,
    OutboundDeliveryWorker,
    WebhookEndpointsService,
    OutboundMetricsSource,
    ...OUTBOUND_GAUGES,
  ],
  exports: [OutboundEventsService, OutboundDeliveryService],
})
export class OutboundModule {}
