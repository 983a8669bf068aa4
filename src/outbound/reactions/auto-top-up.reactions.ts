import { Injectable, OnModuleInit } from '@nestjs/common';
import { DomainEvents } from '../../common/events/domain-events';
import { AutoTopUpFailed, PaymentActionRequired, SUBSCRIBER_ORDER } from '../../common/facts';
import { OutboundEventsService } from '../outbound-events.service';

/** Auto top-up's facts, and a payment that needs the customer → auto_top_up.failed and payment.action_required. */
@Injectable()
export class AutoTopUpReactions implements OnModuleInit {
  constructor(
    private readonly events: DomainEvents,
    private readonly outbox: OutboundEventsService,
  ) {}

  onModuleInit(): void {
    const order = SUBSCRIBER_ORDER.outbound;
    const name = 'outbound';
    this.events.subscribe(AutoTopUpFailed, {
      order,
      name,
      handle: async (m, { userId, failure: f }) => {
        await this.outbox.emit(m, {
          type: 'auto_top_up.failed',
          userId,
          data: {
            reason: f.reason,
            attempt_id: f.attemptId,
            price_id: f.priceId,
            payment_intent_id: f.paymentIntentId,
            failures: f.failures,
            disabled: f.disabled,
          },
        });
      },
    });
    this.events.subscribe(PaymentActionRequired, {
      order,
      name,
      handle: async (m, { userId, payment: p }) => {
        await this.outbox.emit(m, {
          type: 'payment.action_required',
          userId,
          data: {
            payment_intent_id: p.paymentIntentId,
            invoice_id: p.invoiceId,
            client_secret: p.clientSecret,
            confirm_url: p.confirmUrl,
            amount: p.amount,
            currency: p.currency,
            source: p.source,
            reason: p.reason,
          },
        });
      },
    });
  }
}
