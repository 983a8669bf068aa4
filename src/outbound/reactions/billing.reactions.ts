import { Injectable, OnModuleInit } from '@nestjs/common';
import { DomainEvents } from '../../common/events/domain-events';
import {
  EntitlementsChanged,
  InvoicePaymentRecorded,
  PurchaseCompleted,
  RefundProcessed,
  SUBSCRIBER_ORDER,
  SubscriptionChanged,
} from '../../common/facts';
import { OutboundEventsService } from '../outbound-events.service';

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

/**
 * Payments' and Entitlements' facts → outbound events, each with its typed payload: purchase.completed,
 * payment.succeeded / payment.failed, refund.processed, subscription.created / .updated / .canceled and
 * entitlements.updated.
 */
@Injectable()
export class BillingReactions implements OnModuleInit {
  constructor(
    private readonly events: DomainEvents,
    private readonly outbox: OutboundEventsService,
  ) {}

  onModuleInit(): void {
    const order = SUBSCRIBER_ORDER.outbound;
    const name = 'outbound';
    this.events.subscribe(PurchaseCompleted, {
      order,
      name,
      handle: async (m, { userId, purchase: p }) => {
        await this.outbox.emit(m, {
          type: 'purchase.completed',
          userId,
          data: {
            checkout_session_id: p.checkoutSessionId,
            payment_intent_id: p.paymentIntentId,
            package_id: p.packageId,
            price_id: p.priceId,
            quantity: p.quantity,
            credits: p.credits,
            amount_total: p.amountTotal,
            amount_subtotal: p.amountSubtotal,
            amount_tax: p.amountTax,
            currency: p.currency,
          },
        });
      },
    });
    this.events.subscribe(InvoicePaymentRecorded, {
      order,
      name,
      handle: async (m, { userId, outcome, invoice: i }) => {
        const data = {
          invoice_id: i.invoiceId,
          subscription_id: i.subscriptionId,
          billing_reason: i.billingReason,
          amount_due: i.amountDue,
          amount_paid: i.amountPaid,
          subtotal: i.subtotal,
          amount_tax: i.amountTax,
          total: i.total,
          currency: i.currency,
          attempt_count: i.attemptCount,
        };
        if (outcome === 'succeeded') await this.outbox.emit(m, { type: 'payment.succeeded', userId, data });
        else
          await this.outbox.emit(m, {
            type: 'payment.failed',
            userId,
            data: { ...data, next_payment_attempt: iso(i.nextPaymentAttempt) },
          });
      },
    });
    this.events.subscribe(RefundProcessed, {
      order,
      name,
      handle: async (m, { userId, refund: r }) => {
        await this.outbox.emit(m, {
          type: 'refund.processed',
          userId,
          data: {
            charge_id: r.chargeId,
            payment_intent_id: r.paymentIntentId,
            checkout_session_id: r.checkoutSessionId,
            amount: r.amount,
            amount_refunded: r.amountRefunded,
            currency: r.currency,
            fully_refunded: r.amountRefunded >= r.amount,
            credits_clawed_back: r.creditsClawedBack,
            credits_shortfall: r.creditsShortfall,
          },
        });
      },
    });
    this.events.subscribe(SubscriptionChanged, {
      order,
      name,
      handle: async (m, { userId, subscriptionId, before, after, change }) => {
        if (!change) return;
        await this.outbox.emit(m, {
          type: `subscription.${change.kind}`,
          userId,
          data: {
            subscription_id: subscriptionId,
            status: after.status,
            plan_id: after.planId,
            price_id: after.priceId,
            currency: after.currency,
            cancel_at_period_end: after.cancelAtPeriodEnd,
            cancel_at: iso(after.cancelAt),
            canceled_at: iso(after.canceledAt),
            ended_at: iso(after.endedAt),
            current_period_start: iso(after.currentPeriodStart),
            current_period_end: iso(after.currentPeriodEnd),
            trial_end: iso(after.trialEnd),
            changed_fields: change.changedFields.map(snake),
            previous_status: before?.status ?? null,
          },
        });
      },
    });
    this.events.subscribe(EntitlementsChanged, {
      order,
      name,
      handle: async (m, { userId, change: c }) => {
        await this.outbox.emit(m, {
          type: 'entitlements.updated',
          userId,
          data: {
            features: c.features,
            previous_features: c.previousFeatures,
            changed_features: c.changedFeatures,
            source: c.source,
            plan_lookup_key: c.planLookupKey,
            previous_plan_lookup_key: c.previousPlanLookupKey,
            subscription_id: c.subscriptionId,
            subscription_status: c.subscriptionStatus,
            access_until: iso(c.accessUntil),
          },
        });
      },
    });
  }
}

/** `cancelAtPeriodEnd` → `cancel_at_period_end`, as receivers know the field names. */
const snake = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
