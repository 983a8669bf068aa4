import { Inject, Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import { TollgateMetrics } from '../../metrics/metrics.service';
import { MeterReporter } from '../../payments/meter-reporter.service';
import { NOTIFIER, type Notifier } from '../../payments/notifier';
import { SubscriptionPeriodsService } from '../../payments/subscription-periods.service';
import { AutoTopUpService } from '../../spend-controls/auto-top-up.service';
import { OnStripeEvent } from '../on-stripe-event.decorator';
import { refId } from '../../stripe/stripe-refs';
import { StripeObjectMissingError } from '../stripe-object-missing.error';
import type { StripeEventContext } from '../stripe-event-context';
import { formatMoney } from '../../common/money';

type InvoiceEvent = Stripe.Event & { data: { object: Stripe.Invoice } };

/** invoice.*: the invoice's subscription is re-read from Stripe (parent.subscription_details in this API). */
@Injectable()
export class InvoiceHandler {
  private readonly logger = new Logger('Payments');

  constructor(
    private readonly periods: SubscriptionPeriodsService,
    @Inject(NOTIFIER) private readonly notifier: Notifier,
    private readonly metrics: TollgateMetrics,
    private readonly autoTopUps: AutoTopUpService,
    private readonly meterReports: MeterReporter,
  ) {}

  /**
   * A renewal's draft invoice (Stripe leaves it draft for about an hour, counting late usage): the period close
   * sends the customer's overage reports of the ended period now and checks Stripe's meter against what was
   * recorded. Reports still unsent make it throw (the event is retried well within the hour); a mismatch
   * nothing can fix is logged as an error and counted. No database effect of its own.
   */
  @OnStripeEvent('invoice.created')
  async created(ctx: StripeEventContext<InvoiceEvent>): Promise<void> {
    const invoice = ctx.event.data.object;
    if (invoice.billing_reason !== 'subscription_cycle' || invoice.status !== 'draft') return;
    if (!invoice.parent?.subscription_details) return;
    await this.meterReports.closePeriod(invoice);
  }

  /** Creation or renewal paid: start that period's monthly credits (once per period, never backwards). */
  @OnStripeEvent('invoice.paid')
  async paid(ctx: StripeEventContext<InvoiceEvent>): Promise<void> {
    const invoice = ctx.event.data.object;
    if (invoice.metadata?.auto_top_up_attempt && !invoice.parent?.subscription_details) {
      // An auto top-up charged through an invoice (tax on): its credits, once per invoice (read again first).
      const paid = await this.autoTopUps.prepareInvoicePaid(invoice.id);
      await ctx.commit((m) => this.autoTopUps.applyInvoicePaid(m, paid));
      return;
    }
    const prepared = await this.prepare(ctx);
    if (!prepared) return; // a one-off invoice: nothing to do
    await ctx.commit((m) => this.periods.applyInvoicePaid(m, invoice, prepared));
    this.metrics.payment(null, 'succeeded', 'invoice');
    this.logger.log(
      { invoice_id: invoice.id, billing_reason: invoice.billing_reason, amount_paid: invoice.amount_paid },
      `${invoice.billing_reason === 'subscription_cycle' ? 'renewal' : 'subscription invoice'} paid: ${invoice.id} (${formatMoney(invoice.amount_paid, invoice.currency)})`,
    );
  }

  /** A renewal failed: mirror (past_due keeps access for the grace period) and tell the customer. */
  @OnStripeEvent('invoice.payment_failed')
  async paymentFailed(ctx: StripeEventContext<InvoiceEvent>): Promise<void> {
    const invoice = ctx.event.data.object;
    const prepared = await this.prepare(ctx);
    const row = await ctx.commit((m) => this.periods.applyInvoicePaymentFailed(m, invoice, prepared));
    this.metrics.payment(null, 'failed', 'invoice');
    this.logger.log(
      { invoice_id: invoice.id, user_id: row?.userId },
      `invoice payment failed: ${invoice.id}`,
    );
    if (row) {
      await this.notifier.notify({
        kind: 'payment_failed',
        userId: row.userId,
        reference: invoice.id,
        data: {
          amount_due: invoice.amount_due,
          currency: invoice.currency,
          attempt_count: invoice.attempt_count,
        },
      });
    }
  }

  /** A renewal's payment needs 3-D Secure: payment.action_required with the hosted invoice page to confirm it. */
  @OnStripeEvent('invoice.payment_action_required')
  async actionRequired(ctx: StripeEventContext<InvoiceEvent>): Promise<void> {
    const invoice = ctx.event.data.object;
    const prepared = await this.prepare(ctx);
    await ctx.commit((m) => this.periods.applyInvoiceActionRequired(m, invoice, prepared));
  }

  /**
   * The invoice's subscription as Stripe has it now; null for an invoice without one (one-off). A subscription
   * Stripe does not know is a StripeObjectMissingError: retried, then `dead` (a lost renewal leaves a trace).
   */
  private async prepare(ctx: StripeEventContext<InvoiceEvent>) {
    const invoice = ctx.event.data.object;
    const subscription = invoice.parent?.subscription_details?.subscription;
    const prepared = await this.periods.prepareInvoice(invoice);
    if (!prepared && subscription) {
      throw new StripeObjectMissingError('subscription', refId(subscription)!, ctx.event.type);
    }
    return prepared;
  }
}
