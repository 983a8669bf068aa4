import { overageTerms } from '../plans/plan-overage';
import { Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import type { EntityManager } from 'typeorm';
import { GrantsService } from '../credits/grants.service';
import { DomainEvents } from '../common/events/domain-events';
import { InvoicePaymentRecorded, PaymentActionRequired } from '../common/facts';
import { PlansService } from '../plans/plans.service';
import { ENDED, refId } from './stripe-refs';
import { invoiceTax } from './tax-lines';
import type { Subscription } from './subscription.entity';
import { PreparedSubscription, SubscriptionSyncService } from './subscription-sync.service';

/**
 * Paid periods: a subscription's creation or renewal (invoice.paid) starts that period's monthly credits,
 * once per period and never backwards. Plan changes (subscription_update) keep the current period: the new
 * plan's allowance applies from the next one.
 */
@Injectable()
export class SubscriptionPeriodsService {
  private readonly logger = new Logger('SubscriptionPeriods');

  constructor(
    private readonly subscriptions: SubscriptionSyncService,
    private readonly credits: GrantsService,
    private readonly plans: PlansService,
    private readonly events: DomainEvents,
  ) {}

  /** The invoice's subscription as Stripe has it now (null: a one-off invoice, or Stripe forgot it). */
  async prepareInvoice(invoice: Stripe.Invoice): Promise<PreparedSubscription | null> {
    const subscriptionId = refId(invoice.parent?.subscription_details?.subscription);
    return subscriptionId ? this.subscriptions.read(subscriptionId) : null;
  }

  /** invoice.paid: mirror the subscription, then start the paid period's credits. */
  async applyInvoicePaid(
    m: EntityManager,
    invoice: Stripe.Invoice,
    prepared: PreparedSubscription | null,
  ): Promise<void> {
    if (!prepared) return;
    const row = await this.subscriptions.apply(m, prepared);
    if (row) await this.emitPayment(m, 'succeeded', row, invoice);
    // An ended subscription's credits are gone for good (endSubscription runs once): a renewal paid before
    // the end but delivered after it must not grant a period nothing will ever expire.
    if (!row || ENDED.includes(row.status)) return;
    if (invoice.billing_reason !== 'subscription_create' && invoice.billing_reason !== 'subscription_cycle')
      return;
    const line =
      invoice.lines.data.find(
        (l) => l.parent?.subscription_item_details && !l.parent.subscription_item_details.proration,
      ) ?? invoice.lines.data[0];
    if (!line) return;
    const priceId = refId(line.pricing?.price_details?.price) ?? row.priceId;
    await this.startPaidPeriod(
      m,
      row,
      new Date(line.period.start * 1000),
      priceId,
      new Date(line.period.end * 1000),
    );
  }

  /** invoice.payment_failed: mirror the subscription (past_due) and record payment.failed; returns the row. */
  async applyInvoicePaymentFailed(
    m: EntityManager,
    invoice: Stripe.Invoice,
    prepared: PreparedSubscription | null,
  ): Promise<Subscription | null> {
    const row = prepared ? await this.subscriptions.apply(m, prepared) : null;
    if (row) await this.emitPayment(m, 'failed', row, invoice);
    return row;
  }

  /**
   * invoice.payment_action_required: a renewal's off-session payment needs the customer (3-D Secure). The mirror
   * is brought up to date and the user is asked to confirm it on Stripe's hosted invoice page.
   */
  async applyInvoiceActionRequired(
    m: EntityManager,
    invoice: Stripe.Invoice,
    prepared: PreparedSubscription | null,
  ): Promise<Subscription | null> {
    const row = prepared ? await this.subscriptions.apply(m, prepared) : null;
    if (!row) return null;
    const payment = invoice.payments?.data?.find((p) => p.payment.type === 'payment_intent')?.payment;
    await this.events.publish(
      m,
      new PaymentActionRequired(row.userId, {
        paymentIntentId: payment ? refId(payment.payment_intent ?? null) : null,
        invoiceId: invoice.id,
        clientSecret: null,
        confirmUrl: invoice.hosted_invoice_url ?? '',
        amount: invoice.amount_due,
        currency: invoice.currency,
        source: 'invoice',
        reason: 'authentication_required',
      }),
    );
    return row;
  }

  private async emitPayment(
    m: EntityManager,
    outcome: 'succeeded' | 'failed',
    sub: Subscription,
    invoice: Stripe.Invoice,
  ): Promise<void> {
    await this.events.publish(
      m,
      new InvoicePaymentRecorded(sub.userId, outcome, {
        invoiceId: invoice.id,
        subscriptionId: sub.id,
        billingReason: invoice.billing_reason ?? null,
        amountDue: invoice.amount_due,
        amountPaid: invoice.amount_paid,
        subtotal: invoice.subtotal,
        amountTax: invoiceTax(invoice),
        total: invoice.total,
        currency: invoice.currency,
        attemptCount: invoice.attempt_count,
        nextPaymentAttempt: invoice.next_payment_attempt
          ? new Date(invoice.next_payment_attempt * 1000)
          : null,
      }),
    );
  }

  /**
   * A paid period begins: the plan's allowance replaces the unused monthly credits (CreditsService.startPeriod,
   * once per period and only forwards). Used by checkout fulfilment (first period) and invoice.paid.
   */
  async startPaidPeriod(
    m: EntityManager,
    sub: Subscription,
    periodStart: Date,
    priceId: string | null,
    periodEnd: Date | null = null,
  ): Promise<boolean> {
    const plan = priceId ? await this.plans.planForPrice(m, priceId) : null;
    if (!plan) {
      this.logger.warn(`subscription ${sub.id}: price ${priceId} is not a catalog plan; no monthly credits`);
    }
    return this.credits.startPeriod(m, {
      userId: sub.userId,
      subscriptionId: sub.id,
      periodStart,
      periodEnd: periodEnd ?? sub.currentPeriodEnd,
      allowance: plan?.monthlyUses ?? 0,
      planId: plan?.id ?? null,
      overage: overageTerms(plan, sub.currency),
    });
  }
}
