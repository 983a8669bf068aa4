import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Stripe from 'stripe';
import { DataSource } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors';
import { demoConfig, DemoConfig } from '../config/demo.config';
import { stripeConfig, StripeConfig } from '../config/stripe.config';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { refId } from '../stripe/stripe-refs';
import { UsersService } from '../users/users.service';
import { WebhookInboxService } from '../webhooks/webhook-inbox.service';
import type { TimeTravelResultDto } from './dto/time-travel-result.dto';

/** A card the emulator declines on every charge (an unknown payment method): the next renewal fails. */
const FAILING_PAYMENT_METHOD = 'pm_card_chargeCustomerFail';
const LIVE = new Set(['trialing', 'active', 'past_due', 'unpaid']);
/** How long a renewal waits for Tollgate to process its draft invoice's invoice.created (the period close). */
const PERIOD_CLOSE_WAIT_MS = 30_000;
const POLL_MS = 100;

/**
 * Time travel for the caller's own Stripe customer on the built-in emulator: their test clock moves to the next
 * renewal, the next renewal can be made to fail, the newest purchase refunded. The app sees only what Stripe
 * then sends (webhooks), exactly as in production. Refused unless DEMO_TIME_TRAVEL and the emulator.
 */
@Injectable()
export class TimeTravelService {
  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(demoConfig.KEY) private readonly demo: DemoConfig,
    @Inject(stripeConfig.KEY) private readonly stripeSettings: StripeConfig,
    private readonly users: UsersService,
    private readonly inbox: WebhookInboxService,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /**
   * Advances the caller's clock just past the end of the current period (or trial): the renewal happens. A plan
   * with metered overage gets its renewal invoice as a draft for an hour (usage still counts): once Tollgate has
   * processed that draft's invoice.created (the period close sends the period's meter reports), the clock moves
   * past the draft hour too, so the invoice finalizes with the overage line and is charged. A renewal whose
   * draft hour an earlier call did not finish (Tollgate had not processed it in time) is finished first.
   */
  async advanceToRenewal(userId: string): Promise<TimeTravelResultDto> {
    const { customer, clock } = await this.customerWithClock(userId);
    const sub = await this.liveSubscription(customer.id);
    let draft = await this.renewalDraft(customer.id, sub.id);
    let advanced: Stripe.TestHelpers.TestClock | null = null;
    if (!draft) {
      const periodEnd = sub.items.data[0]?.current_period_end ?? sub.trial_end;
      if (!periodEnd) throw new AppError(ErrorCode.SubscriptionNotFound);
      advanced = await this.stripe.testHelpers.testClocks.advance(clock, {
        frozen_time: Math.max(periodEnd + 60, Math.floor(Date.now() / 1000)),
      });
      draft = await this.renewalDraft(customer.id, sub.id);
    }
    if (draft) {
      await this.untilPeriodClosed(draft);
      advanced = await this.stripe.testHelpers.testClocks.advance(clock, {
        frozen_time: draft.automatically_finalizes_at! + 60,
      });
    }
    return {
      ...this.result(advanced ?? (await this.stripe.testHelpers.testClocks.retrieve(clock)), sub.id),
      ...(draft ? { invoice_id: draft.id } : {}),
    };
  }

  /**
   * The next subscription checkout starts paid, without the plan's free trial (the user's one trial counts as
   * used): overage only runs in a paid period, and a trial ended by time travel leaves the paid period in the
   * clock's future, not now.
   */
  async skipTrial(userId: string): Promise<void> {
    this.assertEnabled();
    await this.users.getById(userId);
    await this.users.markTrialUsed(this.db.manager, userId);
  }

  /** The subscription's payment method becomes one that is declined: the next renewal fails (past_due). */
  failNextRenewal(userId: string): Promise<TimeTravelResultDto> {
    return this.setRenewalCard(userId, FAILING_PAYMENT_METHOD);
  }

  /** Back to the card the customer paid with at checkout (undoes failNextRenewal for later attempts). */
  restoreCard(userId: string): Promise<TimeTravelResultDto> {
    return this.setRenewalCard(userId, '');
  }

  /** '' clears the subscription's own payment method: the customer's default (the checkout card) is charged. */
  private async setRenewalCard(userId: string, paymentMethod: string): Promise<TimeTravelResultDto> {
    const { customer, clock } = await this.customerWithClock(userId);
    const sub = await this.liveSubscription(customer.id);
    await this.stripe.subscriptions.update(sub.id, { default_payment_method: paymentMethod });
    return this.result(await this.stripe.testHelpers.testClocks.retrieve(clock), sub.id);
  }

  /**
   * Refunds the caller's newest credit-pack payment not yet refunded, in full: the app claws its credits back.
   * 404 when there is none left (every pack already refunded), also when a concurrent call refunded it first.
   */
  async refundLastPurchase(userId: string): Promise<TimeTravelResultDto> {
    const { customer, clock } = await this.customerWithClock(userId);
    const intents = await this.stripe.paymentIntents.list({
      customer: customer.id,
      limit: 100,
      expand: ['data.latest_charge'],
    });
    const purchase = intents.data.find(
      (pi) => pi.status === 'succeeded' && !/^Subscription /.test(pi.description ?? '') && !refunded(pi),
    );
    if (!purchase) throw nothingToRefund();
    const refund = await this.stripe.refunds
      .create({ payment_intent: purchase.id, reason: 'requested_by_customer' })
      .catch((err: unknown) => {
        throw (err as { code?: string }).code === 'charge_already_refunded' ? nothingToRefund() : err;
      });
    return {
      ...this.result(await this.stripe.testHelpers.testClocks.retrieve(clock), null),
      refund_id: refund.id,
    };
  }

  /** The subscription's renewal invoice still in its draft hour (it finalizes by itself), if any. */
  private async renewalDraft(customer: string, subscription: string): Promise<Stripe.Invoice | null> {
    const drafts = await this.stripe.invoices.list({ customer, subscription, status: 'draft', limit: 10 });
    return (
      drafts.data.find((i) => i.automatically_finalizes_at && i.billing_reason === 'subscription_cycle') ??
      null
    );
  }

  /**
   * Waits (with a deadline, no fixed sleep) until Tollgate has processed the draft's invoice.created: its
   * period close has sent the period's meter reports, so the invoice counts all the overage when it finalizes.
   */
  private async untilPeriodClosed(draft: Stripe.Invoice): Promise<void> {
    const deadline = Date.now() + PERIOD_CLOSE_WAIT_MS;
    let eventId: string | null = null;
    for (;;) {
      eventId ??= await this.invoiceCreatedEvent(draft);
      const row = eventId ? await this.inbox.get(eventId) : null;
      if (row?.status === 'processed' || row?.status === 'ignored') return;
      if (row?.status === 'dead' || Date.now() >= deadline)
        throw new AppError(
          ErrorCode.Conflict,
          `Your renewal invoice ${draft.id} is still a draft: Tollgate has not finished closing the period ` +
            `(${row ? `invoice.created ${row.status}` : 'invoice.created not received yet'}). Try again in a moment.`,
        );
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** The id of the draft's invoice.created event (Stripe stamps it with the clock's time of the renewal). */
  private async invoiceCreatedEvent(draft: Stripe.Invoice): Promise<string | null> {
    for await (const e of this.stripe.events.list({
      type: 'invoice.created',
      created: { gte: draft.created },
      limit: 100,
    })) {
      if ((e.data.object as Stripe.Invoice).id === draft.id) return e.id;
    }
    return null;
  }

  private assertEnabled(): void {
    if (!this.demo.timeTravel || this.stripeSettings.mode !== 'emulator') {
      throw new AppError(
        ErrorCode.Forbidden,
        'Time travel needs DEMO_TIME_TRAVEL=true and the built-in Stripe emulator (never a real Stripe key).',
      );
    }
  }

  private async customerWithClock(userId: string): Promise<{ customer: Stripe.Customer; clock: string }> {
    this.assertEnabled();
    const user = await this.users.getById(userId);
    if (!user.customerId) throw new AppError(ErrorCode.CustomerNotFound);
    const customer = await this.stripe.customers.retrieve(user.customerId);
    const clock = 'deleted' in customer ? null : customer.test_clock;
    if ('deleted' in customer || !clock) {
      throw new AppError(
        ErrorCode.Forbidden,
        'Your Stripe customer has no test clock (it was created before DEMO_TIME_TRAVEL was on): register a new user.',
      );
    }
    return { customer, clock: refId(clock)! };
  }

  private async liveSubscription(customer: string): Promise<Stripe.Subscription> {
    const subs = await this.stripe.subscriptions.list({ customer, status: 'all', limit: 10 });
    const live = subs.data.find((s) => LIVE.has(s.status));
    if (!live) throw new AppError(ErrorCode.SubscriptionNotFound);
    return live;
  }

  private result(clock: Stripe.TestHelpers.TestClock, subscriptionId: string | null): TimeTravelResultDto {
    return {
      test_clock: clock.id,
      frozen_time: new Date(clock.frozen_time * 1000).toISOString(),
      subscription_id: subscriptionId,
    };
  }
}

const nothingToRefund = () =>
  new AppError(ErrorCode.NotFound, 'You have no credit-pack payment left to refund.');

/** The payment's charge is refunded in full (the charge is expanded; an unexpanded one counts as not refunded). */
function refunded(pi: Stripe.PaymentIntent): boolean {
  const charge = pi.latest_charge;
  return typeof charge === 'object' && charge !== null && charge.amount_refunded >= charge.amount;
}
