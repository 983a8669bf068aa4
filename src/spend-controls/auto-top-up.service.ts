import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Stripe from 'stripe';
import { DataSource, EntityManager } from 'typeorm';
import { DomainEvents } from '../common/events/domain-events';
import { AppError, ErrorCode } from '../common/errors';
import { LeasedJobs, type LeasedJob } from '../common/db/leased-jobs';
import { firstRow } from '../common/db/sql';
import { AutoTopUpFailed, CreditsPosted, PaymentActionRequired, SUBSCRIBER_ORDER } from '../common/facts';
import { appConfig, AppConfig } from '../config/app.config';
import { spendConfig, SpendConfig } from '../config/spend.config';
import { stripeConfig, StripeConfig } from '../config/stripe.config';
import { GrantsService } from '../credits/grants.service';
import { CheckoutCurrencyService } from '../payments/checkout-currency.service';
import { PaymentMethodService } from '../payments/payment-method.service';
import { PlansService } from '../plans/plans.service';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { UsersService } from '../users/users.service';
import type {
  AutoTopUpConfirmedDto,
  AutoTopUpDto,
  AutoTopUpResponseDto,
  PendingTopUpDto,
} from './dto/auto-top-up.dto';
import { MAX_CONTROL_CREDITS } from './spend-controls.rules';
import { SPEND_CONTROLS_CHANNEL, SPEND_CONTROLS_RELOAD_MS } from './spend-controls.service';

interface Config {
  user_id: string;
  enabled: boolean;
  threshold: number;
  price_id: string;
  max_per_month: number;
  failures: number;
  disabled_reason: string | null;
  updated_at: Date;
}

/** A top-up Stripe charged whose credits Tollgate never granted (what `stripe:reconcile` reports). */
export interface MissedTopUp {
  payment_intent_id: string;
  /** With tax on: the paid top-up invoice (null for a bare PaymentIntent). */
  invoice_id: string | null;
  user_id: string;
  customer_id: string;
  credits: number;
  amount: number;
  currency: string;
}

export interface TopUpReconcileResult {
  /** Succeeded top-up PaymentIntents (tax off) and paid top-up invoices (tax on) found on Stripe. */
  checked: number;
  /** Of those, the ones with no purchase recorded here. */
  missing: MissedTopUp[];
  /** With fix: missing top-ups granted now (once: keyed as the webhook's grant, PaymentIntent or invoice id). */
  granted: number;
  /** With fix: what is still missing after it. */
  unresolved: MissedTopUp[];
}

interface Attempt extends LeasedJob {
  user_id: string;
  crossing_key: string;
  price_id: string;
}

/** Payments that failed for a reason other than the card (Stripe down): tried again this often, this many times. */
const RETRY_DELAY_MS = 30_000;
const MAX_ATTEMPTS = 5;
const LEASE_MS = 60_000;
const BATCH = 10;

const ATTEMPTS = new LeasedJobs<Attempt>({
  table: 'auto_top_up_attempts',
  leased: 'processing',
  waiting: ['pending'],
  pick: (due) => `SELECT q.id FROM auto_top_up_attempts q WHERE ${due} ORDER BY q.next_attempt_at`,
  read: `SELECT c.id, c.attempts, c.claim_token, c.user_id, c.crossing_key, c.price_id FROM claimed c`,
});

/**
 * Auto top-up (`auto_top_ups`, `auto_top_up_attempts`: this module's tables). A debit that takes a user's total
 * from at or above their threshold to below it is one crossing: decided inside the posting's own transaction
 * (a blocking subscriber of CreditsPosted; the ledger's balance lock serializes a user's postings, so across
 * replicas exactly one posting crosses), numbered by `auto_top_ups.crossings` and recorded as one attempt row
 * keyed `auto-top-up:<user>:<n>`. After commit a worker (a leased row: one replica takes it) creates ONE
 * off-session PaymentIntent for the pack with that key as Stripe's idempotency key. Credits are granted on
 * success, keyed by the PaymentIntent id (the worker's answer and `payment_intent.succeeded` may both try: the
 * ledger key makes it once). `max_per_month` top-ups per UTC month; after AUTO_TOP_UP_MAX_FAILURES declines in a
 * row auto top-up turns itself off; a card that needs 3-D Secure gets `payment.action_required`.
 */
@Injectable()
export class AutoTopUpService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('AutoTopUp');
  /** Users with auto top-up on → their threshold (the posting path asks no query for anyone else). */
  private thresholds = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private reloadTimer?: NodeJS.Timeout;
  private tick?: Promise<void>;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(spendConfig.KEY) private readonly config: SpendConfig,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    @Inject(stripeConfig.KEY) private readonly stripeSettings: StripeConfig,
    private readonly events: DomainEvents,
    private readonly plans: PlansService,
    private readonly grants: GrantsService,
    private readonly paymentMethods: PaymentMethodService,
    private readonly users: UsersService,
    private readonly currencies: CheckoutCurrencyService,
  ) {}

  onModuleInit(): void {
    this.events.subscribe(CreditsPosted, {
      order: SUBSCRIBER_ORDER.autoTopUp,
      name: 'auto-top-up',
      // Only a posting of a user with auto top-up on needs a transaction for it (a crossing is claimed in it).
      wants: (userId) => (userId === undefined ? this.thresholds.size > 0 : this.thresholds.has(userId)),
      // It acts only on a crossing below the user's threshold (onPosting): the consume hot path runs only those
      // debits in a transaction.
      onlyCrossingBelow: (userId) => this.thresholds.get(userId),
      handle: (m, fact) => this.onPosting(m, fact),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reloadAll();
    this.timer = setInterval(() => {
      if (this.tick || this.stopped) return;
      this.tick = this.processDue()
        .then(() => undefined)
        .catch((err: Error) => this.logger.warn(`auto top-up tick failed: ${err.message}`))
        .finally(() => (this.tick = undefined));
    }, this.config.autoTopUpIntervalMs);
    this.timer.unref();
    // The backstop for a NOTIFY lost on a dead connection, as for the thresholds.
    this.reloadTimer = setInterval(() => {
      this.reloadAll().catch((err: Error) => this.logger.warn(`auto top-up reload failed: ${err.message}`));
    }, SPEND_CONTROLS_RELOAD_MS);
    this.reloadTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.reloadTimer);
    await this.tick;
  }

  // ---- configuration -------------------------------------------------------------------------------------

  async get(userId: string): Promise<AutoTopUpResponseDto> {
    const [row]: Config[] = await this.db.query(`SELECT * FROM auto_top_ups WHERE user_id = $1`, [userId]);
    return { ...this.toResponse(userId, row), pending_payment: await this.pendingPayment(userId) };
  }

  /**
   * The user's newest top-up waiting for them (3-D Secure off-session), as Stripe has it now: what the host's
   * confirm page shows. null when none waits.
   */
  private async pendingPayment(userId: string): Promise<PendingTopUpDto | null> {
    const [attempt]: Array<{ id: string; payment_intent_id: string; created_at: Date }> = await this.db.query(
      `SELECT id, payment_intent_id, created_at FROM auto_top_up_attempts
        WHERE user_id = $1 AND status = 'requires_action' AND payment_intent_id IS NOT NULL
        ORDER BY id DESC LIMIT 1`,
      [userId],
    );
    if (!attempt) return null;
    const pi = await this.stripe.paymentIntents.retrieve(attempt.payment_intent_id);
    const invoice = await this.topUpInvoiceOf(String(attempt.id), pi);
    return {
      payment_intent_id: pi.id,
      status: pi.status,
      amount: pi.amount,
      currency: pi.currency,
      credits: Number((invoice ?? pi).metadata?.credits) || 0,
      confirm_url: invoice?.hosted_invoice_url ?? this.confirmUrl(pi.id),
      created_at: new Date(attempt.created_at).toISOString(),
    };
  }

  /**
   * The open top-up invoice a PaymentIntent belongs to (tax on: the invoice's PaymentIntent carries no top-up
   * metadata), found among the customer's open invoices by the attempt in its metadata; null for a bare one.
   */
  private async topUpInvoiceOf(attemptId: string, pi: Stripe.PaymentIntent): Promise<Stripe.Invoice | null> {
    const customer = typeof pi.customer === 'string' ? pi.customer : pi.customer?.id;
    if (pi.metadata?.auto_top_up_attempt || !customer) return null;
    const open = await this.stripe.invoices.list({ customer, status: 'open', limit: 100 });
    return open.data.find((i) => i.metadata?.auto_top_up_attempt === attemptId) ?? null;
  }

  private confirmUrl(paymentIntentId: string): string {
    return `${this.app.frontendUrl}/payments/confirm?payment_intent=${encodeURIComponent(paymentIntentId)}`;
  }

  /**
   * POST /credits/auto-top-up/confirm: the customer is here (the confirm page) and confirms a top-up that needed
   * them, on-session, with the card it was tried with. A 3-D Secure card answers `requires_action` and the
   * `redirect_url` of its authentication step, which returns to the confirm page; a PaymentIntent that already
   * succeeded is granted now (once: keyed by its id, as the webhook's). Only the caller's own top-ups
   * (NOT_FOUND otherwise).
   */
  async confirm(userId: string, paymentIntentId: string): Promise<AutoTopUpConfirmedDto> {
    const [attempt]: Array<{ id: string }> = await this.db.query(
      `SELECT id FROM auto_top_up_attempts WHERE user_id = $1 AND payment_intent_id = $2`,
      [userId, paymentIntentId],
    );
    if (!attempt) throw new AppError(ErrorCode.NotFound, 'No auto top-up of yours has this payment.');
    let pi = await this.stripe.paymentIntents.retrieve(paymentIntentId);
    // Tax on: the top-up is an invoice, paid on Stripe's hosted invoice page (its invoice.paid grants it).
    const invoice = await this.topUpInvoiceOf(String(attempt.id), pi);
    if (invoice)
      return {
        payment_intent_id: pi.id,
        status: pi.status,
        redirect_url: invoice.hosted_invoice_url ?? null,
        granted: false,
      };
    if (pi.status === 'requires_payment_method' || pi.status === 'requires_confirmation') {
      const card = pi.last_payment_error?.payment_method;
      pi = await this.stripe.paymentIntents.confirm(pi.id, {
        ...(card ? { payment_method: typeof card === 'string' ? card : card.id } : {}),
        return_url: `${this.confirmUrl(pi.id)}&returned=true`,
      });
    }
    let granted = false;
    if (pi.status === 'succeeded')
      granted = await this.db.transaction((m) => this.applyPaymentSucceeded(m, pi));
    return {
      payment_intent_id: pi.id,
      status: pi.status,
      redirect_url: pi.status === 'requires_action' ? (pi.next_action?.redirect_to_url?.url ?? null) : null,
      granted,
    };
  }

  /**
   * PUT /credits/auto-top-up. Checked before anything is written: the figures (SPEND_CONTROLS_INVALID), the pack
   * (PRICE_NOT_FOUND), its currency against the customer's (CURRENCY_MISMATCH) and, to turn it on, a saved card
   * (PAYMENT_METHOD_REQUIRED). Turning it on again clears the failures.
   */
  async put(userId: string, dto: AutoTopUpDto): Promise<AutoTopUpResponseDto> {
    const problems: string[] = [];
    if (!Number.isSafeInteger(dto.threshold) || dto.threshold < 0 || dto.threshold > MAX_CONTROL_CREDITS)
      problems.push(`threshold must be a whole number from 0 to ${MAX_CONTROL_CREDITS}`);
    if (!Number.isSafeInteger(dto.max_per_month) || dto.max_per_month < 1 || dto.max_per_month > 1000)
      problems.push('max_per_month must be a whole number from 1 to 1000');
    if (problems.length)
      throw new AppError(ErrorCode.SpendControlsInvalid, problems.join('; '), { errors: problems });
    const pack = await this.plans.findPackageByPriceId(dto.price_id);
    if (!pack || !pack.active) throw new AppError(ErrorCode.PriceNotFound);
    // The billing account's currency (its earlier purchases and subscriptions): the pack must be sold in it.
    await this.currencies.choose(userId, pack);
    if (dto.enabled) {
      const card = await this.paymentMethods.savedCard(userId);
      if (!card) throw new AppError(ErrorCode.PaymentMethodRequired);
      if (card.currency && this.plans.amountIn(pack, card.currency) === undefined)
        throw new AppError(ErrorCode.CurrencyMismatch);
    }
    const row = await this.db.transaction(async (m) => {
      const [saved]: Config[] = await m.query(
        `INSERT INTO auto_top_ups (user_id, enabled, threshold, price_id, max_per_month, updated_at)
         VALUES ($1, $2, $3, $4, $5, now())
         ON CONFLICT (user_id) DO UPDATE SET enabled = EXCLUDED.enabled, threshold = EXCLUDED.threshold,
           price_id = EXCLUDED.price_id, max_per_month = EXCLUDED.max_per_month, updated_at = now(),
           failures = CASE WHEN EXCLUDED.enabled THEN 0 ELSE auto_top_ups.failures END,
           disabled_reason = CASE WHEN EXCLUDED.enabled THEN NULL ELSE auto_top_ups.disabled_reason END
         RETURNING *`,
        [userId, dto.enabled, dto.threshold, dto.price_id, dto.max_per_month],
      );
      await m.query(`SELECT pg_notify('${SPEND_CONTROLS_CHANNEL}', $1)`, [userId]);
      return saved;
    });
    this.remember(userId, row);
    return { ...this.toResponse(userId, row), pending_payment: await this.pendingPayment(userId) };
  }

  /** Whether this replica watches the user's postings for a crossing (its in-memory copy; tests, diagnostics). */
  watches(userId: string): boolean {
    return this.thresholds.has(userId);
  }

  async reloadUser(userId: string): Promise<void> {
    const [row]: Config[] = await this.db.query(`SELECT * FROM auto_top_ups WHERE user_id = $1`, [userId]);
    this.remember(userId, row);
  }

  async reloadAll(): Promise<void> {
    const rows: Array<{ user_id: string; threshold: number }> = await this.db.query(
      `SELECT user_id, threshold FROM auto_top_ups WHERE enabled`,
    );
    this.thresholds = new Map(rows.map((r) => [r.user_id, r.threshold]));
  }

  private remember(userId: string, row: Config | undefined): void {
    if (row?.enabled) this.thresholds.set(userId, row.threshold);
    else this.thresholds.delete(userId);
  }

  // ---- the crossing, in the posting's transaction ----------------------------------------------------------

  private async onPosting(m: EntityManager, fact: CreditsPosted): Promise<void> {
    const threshold = this.thresholds.get(fact.userId);
    if (threshold === undefined) return;
    const before = fact.totalBefore;
    const after = fact.totalAfter;
    if (!(before >= threshold && after < threshold)) return;
    // The row, not memory, decides (another replica may have changed it); numbered under the balance lock.
    const cfg = await firstRow<{
      crossings: string;
      price_id: string;
      max_per_month: number;
      failures: number;
    }>(
      m,
      `UPDATE auto_top_ups SET crossings = crossings + 1
          WHERE user_id = $1 AND enabled AND threshold <= $2 AND threshold > $3
         RETURNING crossings, price_id, max_per_month, failures`,
      [fact.userId, before, after],
    );
    if (!cfg) return;
    const [{ n }]: Array<{ n: number }> = await m.query(
      `SELECT count(*)::int AS n FROM auto_top_up_attempts
        WHERE user_id = $1 AND status IN ('pending', 'processing', 'succeeded', 'requires_action')
          AND created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`,
      [fact.userId],
    );
    const capped = n >= cfg.max_per_month;
    const [attempt]: Array<{ id: string }> = await m.query(
      `INSERT INTO auto_top_up_attempts (user_id, crossing_key, price_id, status, failure_reason, balance_before,
                                         balance_after)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [
        fact.userId,
        `auto-top-up:${fact.userId}:${cfg.crossings}`,
        cfg.price_id,
        capped ? 'skipped' : 'pending',
        capped ? 'max_per_month' : null,
        before,
        after,
      ],
    );
    if (capped)
      await this.events.publish(
        m,
        new AutoTopUpFailed(fact.userId, {
          reason: 'max_per_month',
          attemptId: String(attempt.id),
          priceId: cfg.price_id,
          paymentIntentId: null,
          failures: cfg.failures,
          disabled: false,
        }),
      );
  }

  // ---- the worker: one off-session PaymentIntent per attempt ----------------------------------------------

  /** Pays the due attempts (leased: one replica takes each). Returns how many it handled. */
  async processDue(): Promise<number> {
    const jobs = await ATTEMPTS.claim(this.db, { limit: BATCH, leaseMs: LEASE_MS });
    for (const job of jobs) await this.pay(job);
    return jobs.length;
  }

  private async pay(job: Attempt): Promise<void> {
    const pack = await this.plans.findPackageByPriceId(job.price_id);
    const card = await this.paymentMethods.savedCard(job.user_id);
    if (!pack || !card)
      return this.giveUp(job, !pack ? 'package_unavailable' : 'no_payment_method', null, true);
    // The billing account's currency, as a checkout would choose it (never a second currency for one customer).
    const currency = await this.currencies.choose(job.user_id, pack).catch((err: unknown) => {
      if (err instanceof AppError && err.code === ErrorCode.CurrencyMismatch) return null;
      throw err;
    });
    const amount = currency ? this.plans.amountIn(pack, currency) : undefined;
    if (!currency || amount === undefined) return this.giveUp(job, 'currency_mismatch', null, true);
    const metadata = {
      user_id: job.user_id,
      auto_top_up_attempt: String(job.id),
      price_id: pack.priceId,
      package_id: String(pack.id),
      credits: String(pack.usesAmount),
    };
    const description = `Auto top-up: ${pack.usesAmount} credits`;
    if (this.stripeSettings.automaticTax)
      return this.payByInvoice(job, {
        customer: card.customer,
        card: card.id,
        currency,
        metadata,
        description,
      });
    let pi: Stripe.PaymentIntent;
    try {
      pi = await this.stripe.paymentIntents.create(
        {
          amount,
          currency,
          customer: card.customer,
          payment_method: card.id,
          off_session: true,
          confirm: true,
          description,
          metadata,
        },
        { idempotencyKey: job.crossing_key },
      );
    } catch (err) {
      if (err instanceof Stripe.errors.StripeCardError) {
        const failed = err.payment_intent ?? null;
        if (err.code === 'authentication_required' && failed)
          return this.needsAction(job, failed, amount, currency);
        return this.declined(job, err.code ?? 'card_declined', failed?.id ?? null);
      }
      // Stripe unreachable or refusing for another reason: the same key is tried again later.
      return this.retryLater(job, err as Error);
    }
    if (pi.status === 'succeeded') {
      await this.db.transaction(async (m) => {
        await ATTEMPTS.finish(m, job, (bind) => `status = 'succeeded', payment_intent_id = ${bind(pi.id)}`);
        await m.query(`UPDATE auto_top_ups SET failures = 0 WHERE user_id = $1`, [job.user_id]);
        await this.grant(m, pi);
      });
      return;
    }
    // Anything else (processing): the webhook grants it when it succeeds.
    await ATTEMPTS.finish(
      this.db,
      job,
      (bind) => `status = 'requires_action', payment_intent_id = ${bind(pi.id)}`,
    );
  }

  /**
   * With tax on (STRIPE_AUTOMATIC_TAX), a top-up is charged through a one-off invoice with automatic tax, as a
   * pack checkout would be taxed: an invoice (charge_automatically, automatic_tax, the attempt in its metadata),
   * the pack's price as its invoice item, finalized, then paid off-session with the saved card. Each call keyed
   * from the crossing, so a retry after a crash repeats none of them. Credits are granted once the invoice is
   * paid, keyed by the invoice id: this worker's answer and `invoice.paid` grant it once (the invoice's own
   * PaymentIntent carries no top-up metadata, so `payment_intent.succeeded` grants nothing for it).
   */
  private async payByInvoice(
    job: Attempt,
    p: {
      customer: string;
      card: string;
      currency: string;
      metadata: Record<string, string>;
      description: string;
    },
  ): Promise<void> {
    const key = job.crossing_key;
    let invoice: Stripe.Invoice | null = null;
    try {
      invoice = await this.stripe.invoices.create(
        {
          customer: p.customer,
          currency: p.currency,
          collection_method: 'charge_automatically',
          auto_advance: false,
          automatic_tax: { enabled: true },
          default_payment_method: p.card,
          pending_invoice_items_behavior: 'exclude',
          description: p.description,
          metadata: p.metadata,
        },
        { idempotencyKey: `${key}:invoice` },
      );
      if (invoice.status === 'draft') {
        await this.stripe.invoiceItems.create(
          {
            customer: p.customer,
            invoice: invoice.id,
            currency: p.currency,
            pricing: { price: p.metadata.price_id },
            metadata: p.metadata,
          },
          { idempotencyKey: `${key}:item` },
        );
        invoice = await this.stripe.invoices.finalizeInvoice(
          invoice.id,
          { auto_advance: false },
          { idempotencyKey: `${key}:finalize` },
        );
      }
      if (invoice.status === 'open')
        invoice = await this.stripe.invoices.pay(
          invoice.id,
          { off_session: true, payment_method: p.card },
          { idempotencyKey: `${key}:pay` },
        );
    } catch (err) {
      if (err instanceof Stripe.errors.StripeCardError) {
        const failed = err.payment_intent ?? null;
        if (err.code === 'authentication_required' && failed)
          return this.needsAction(job, failed, failed.amount, failed.currency, invoice);
        return this.declined(job, err.code ?? 'card_declined', failed?.id ?? null);
      }
      return this.retryLater(job, err as Error);
    }
    if (invoice?.status !== 'paid') {
      await ATTEMPTS.finish(this.db, job, () => `status = 'requires_action'`);
      return;
    }
    const paid = await this.paidInvoice(invoice.id);
    await this.db.transaction(async (m) => {
      await ATTEMPTS.finish(
        m,
        job,
        (bind) => `status = 'succeeded', payment_intent_id = ${bind(paid?.paymentIntentId ?? null)}`,
      );
      await m.query(`UPDATE auto_top_ups SET failures = 0 WHERE user_id = $1`, [job.user_id]);
      if (paid) await this.grantInvoice(m, paid);
    });
  }

  /** A top-up invoice as Stripe has it now, with its PaymentIntent; null unless paid and a top-up's. */
  private async paidInvoice(
    id: string,
  ): Promise<{ invoice: Stripe.Invoice; paymentIntentId: string | null } | null> {
    const invoice = await this.stripe.invoices.retrieve(id, { expand: ['payments'] });
    if (invoice.status !== 'paid' || !invoice.metadata?.auto_top_up_attempt) return null;
    const payment = invoice.payments?.data.find((x) => x.status === 'paid') ?? invoice.payments?.data[0];
    const paymentIntentId = payment?.payment?.payment_intent ?? null;
    return {
      invoice,
      paymentIntentId: typeof paymentIntentId === 'string' ? paymentIntentId : (paymentIntentId?.id ?? null),
    };
  }

  /** Credits for a paid top-up invoice, once (keyed by the invoice id): from the worker or `invoice.paid`. */
  private async grantInvoice(
    m: EntityManager,
    paid: { invoice: Stripe.Invoice; paymentIntentId: string | null },
  ): Promise<boolean> {
    const { invoice } = paid;
    const userId = invoice.metadata?.user_id;
    const credits = Number(invoice.metadata?.credits);
    const packageId = Number(invoice.metadata?.package_id);
    if (!userId || !Number.isSafeInteger(credits) || credits <= 0) return false;
    return this.grants.grantPurchase(m, {
      userId,
      checkoutSessionId: invoice.id,
      packageId: Number.isSafeInteger(packageId) ? packageId : null,
      paymentIntentId: paid.paymentIntentId,
      credits,
      amountTotal: invoice.amount_paid,
      currency: invoice.currency,
    });
  }

  /** invoice.paid of a top-up invoice (read again from Stripe first): grant it, mark the attempt. */
  async prepareInvoicePaid(
    id: string,
  ): Promise<{ invoice: Stripe.Invoice; paymentIntentId: string | null } | null> {
    return this.paidInvoice(id);
  }

  async applyInvoicePaid(
    m: EntityManager,
    paid: { invoice: Stripe.Invoice; paymentIntentId: string | null } | null,
  ): Promise<boolean> {
    if (!paid) return false;
    await m.query(
      `UPDATE auto_top_up_attempts SET status = 'succeeded', payment_intent_id = $2, locked_until = NULL
        WHERE id = $1 AND status <> 'succeeded'`,
      [paid.invoice.metadata?.auto_top_up_attempt, paid.paymentIntentId],
    );
    return this.grantInvoice(m, paid);
  }

  /** Stripe unreachable or refusing for another reason: the same keys are tried again later. */
  private async retryLater(job: Attempt, err: Error): Promise<void> {
    const last = job.attempts >= MAX_ATTEMPTS;
    await ATTEMPTS.fail(
      this.db,
      job,
      { status: last ? 'failed' : 'pending', delayMs: RETRY_DELAY_MS },
      (bind) => `failure_reason = ${bind(last ? 'payment_error' : null)}`,
    );
    this.logger.warn(`auto top-up ${job.id}: ${err.message}`);
  }

  /** Credits for a succeeded top-up PaymentIntent, once (keyed by its id): from the worker or the webhook. */
  private async grant(m: EntityManager, pi: Stripe.PaymentIntent): Promise<boolean> {
    const userId = pi.metadata?.user_id;
    const credits = Number(pi.metadata?.credits);
    const packageId = Number(pi.metadata?.package_id);
    if (!userId || !Number.isSafeInteger(credits) || credits <= 0) return false;
    return this.grants.grantPurchase(m, {
      userId,
      checkoutSessionId: pi.id,
      packageId: Number.isSafeInteger(packageId) ? packageId : null,
      paymentIntentId: pi.id,
      credits,
      amountTotal: pi.amount_received || pi.amount,
      currency: pi.currency,
    });
  }

  /** payment_intent.succeeded of a top-up (read again from Stripe first): grant it, mark the attempt. */
  async preparePaymentSucceeded(id: string): Promise<Stripe.PaymentIntent | null> {
    const pi = await this.stripe.paymentIntents.retrieve(id);
    return pi.status === 'succeeded' && pi.metadata?.auto_top_up_attempt ? pi : null;
  }

  async applyPaymentSucceeded(m: EntityManager, pi: Stripe.PaymentIntent | null): Promise<boolean> {
    if (!pi) return false;
    await m.query(
      `UPDATE auto_top_up_attempts SET status = 'succeeded', payment_intent_id = $2, locked_until = NULL
        WHERE id = $1 AND status <> 'succeeded'`,
      [pi.metadata.auto_top_up_attempt, pi.id],
    );
    return this.grant(m, pi);
  }

  // ---- reconcile: top-ups Stripe charged that were never granted ---------------------------------------------

  /**
   * Part of `stripe:reconcile`: every succeeded top-up PaymentIntent (its metadata names the attempt) of
   * Tollgate's customers, against the purchases recorded here. With `fix`, each missing one is applied as its
   * `payment_intent.succeeded` would be (granted once, keyed by the PaymentIntent id; the attempt marked).
   */
  async reconcile(opts: { fix?: boolean } = {}): Promise<TopUpReconcileResult> {
    const first = await this.observeTopUps();
    const result: TopUpReconcileResult = {
      checked: first.checked,
      missing: first.missing.map((x) => x.missed),
      granted: 0,
      unresolved: first.missing.map((x) => x.missed),
    };
    if (!opts.fix || first.missing.length === 0) return result;
    for (const { apply } of first.missing) {
      if (await this.db.transaction(apply)) result.granted += 1;
    }
    const missed = new Set(first.missing.map((x) => x.missed.payment_intent_id));
    result.unresolved = (await this.observeTopUps()).missing
      .map((x) => x.missed)
      .filter((x) => missed.has(x.payment_intent_id));
    return result;
  }

  private async observeTopUps(): Promise<{
    checked: number;
    missing: Array<{ apply: (m: EntityManager) => Promise<boolean>; missed: MissedTopUp }>;
  }> {
    const out = {
      checked: 0,
      missing: [] as Array<{ apply: (m: EntityManager) => Promise<boolean>; missed: MissedTopUp }>,
    };
    const granted = (paymentIntentId: string | null) =>
      paymentIntentId ? this.grants.purchaseByPaymentIntent(this.db.manager, paymentIntentId) : null;
    for (const user of await this.users.withCustomers()) {
      const customer = user.customerId;
      // Tax off: the top-up is a bare PaymentIntent whose metadata names the attempt.
      for await (const pi of this.stripe.paymentIntents.list({ customer, limit: 100 })) {
        if (pi.status !== 'succeeded' || !pi.metadata?.auto_top_up_attempt) continue;
        out.checked += 1;
        if (await granted(pi.id)) continue;
        out.missing.push({
          apply: (m) => this.applyPaymentSucceeded(m, pi),
          missed: {
            payment_intent_id: pi.id,
            invoice_id: null,
            user_id: pi.metadata.user_id ?? user.id,
            customer_id: customer,
            credits: Number(pi.metadata.credits) || 0,
            amount: pi.amount_received || pi.amount,
            currency: pi.currency,
          },
        });
      }
      // Tax on: a paid one-off invoice whose metadata names the attempt.
      for await (const listed of this.stripe.invoices.list({ customer, status: 'paid', limit: 100 })) {
        if (!listed.metadata?.auto_top_up_attempt || listed.parent?.subscription_details) continue;
        const paid = await this.paidInvoice(listed.id);
        if (!paid) continue;
        out.checked += 1;
        if (await granted(paid.paymentIntentId)) continue;
        const { invoice } = paid;
        out.missing.push({
          apply: (m) => this.applyInvoicePaid(m, paid),
          missed: {
            payment_intent_id: paid.paymentIntentId ?? '',
            invoice_id: invoice.id,
            user_id: invoice.metadata?.user_id ?? user.id,
            customer_id: customer,
            credits: Number(invoice.metadata?.credits) || 0,
            amount: invoice.amount_paid,
            currency: invoice.currency,
          },
        });
      }
    }
    return out;
  }

  private async declined(job: Attempt, reason: string, paymentIntentId: string | null): Promise<void> {
    await this.db.transaction(async (m) => {
      if (
        !(await ATTEMPTS.fail(
          m,
          job,
          { status: 'failed', delayMs: 0 },
          (bind) => `failure_reason = ${bind(reason)}, payment_intent_id = ${bind(paymentIntentId)}`,
        ))
      )
        return;
      const cfg = await firstRow<{ failures: number; enabled: boolean }>(
        m,
        `UPDATE auto_top_ups SET failures = failures + 1,
                enabled = enabled AND failures + 1 < $2,
                disabled_reason = CASE WHEN failures + 1 >= $2 THEN 'payment_failed' ELSE disabled_reason END
          WHERE user_id = $1 RETURNING failures, enabled`,
        [job.user_id, this.config.autoTopUpMaxFailures],
      );
      if (cfg && !cfg.enabled)
        await m.query(`SELECT pg_notify('${SPEND_CONTROLS_CHANNEL}', $1)`, [job.user_id]);
      await this.events.publish(
        m,
        new AutoTopUpFailed(job.user_id, {
          reason,
          attemptId: String(job.id),
          priceId: job.price_id,
          paymentIntentId,
          failures: cfg?.failures ?? 0,
          disabled: cfg ? !cfg.enabled : false,
        }),
      );
    });
    await this.reloadUser(job.user_id);
  }

  /** No card or no pack: nothing to pay with; auto top-up is turned off until it is set again. */
  private async giveUp(
    job: Attempt,
    reason: string,
    paymentIntentId: string | null,
    disable: boolean,
  ): Promise<void> {
    await this.db.transaction(async (m) => {
      if (
        !(await ATTEMPTS.fail(
          m,
          job,
          { status: 'failed', delayMs: 0 },
          (bind) => `failure_reason = ${bind(reason)}`,
        ))
      )
        return;
      const cfg = await firstRow<{ failures: number }>(
        m,
        `UPDATE auto_top_ups SET enabled = enabled AND NOT $2, disabled_reason = CASE WHEN $2 THEN $3 ELSE disabled_reason END
          WHERE user_id = $1 RETURNING failures`,
        [job.user_id, disable, reason],
      );
      await m.query(`SELECT pg_notify('${SPEND_CONTROLS_CHANNEL}', $1)`, [job.user_id]);
      await this.events.publish(
        m,
        new AutoTopUpFailed(job.user_id, {
          reason,
          attemptId: String(job.id),
          priceId: job.price_id,
          paymentIntentId,
          failures: cfg?.failures ?? 0,
          disabled: disable,
        }),
      );
    });
    await this.reloadUser(job.user_id);
  }

  /** 3-D Secure off-session: nothing granted; the user confirms on-session through the host app's page. */
  private async needsAction(
    job: Attempt,
    pi: Stripe.PaymentIntent,
    amount: number,
    currency: string,
    /** With tax on: the open top-up invoice, confirmed on Stripe's hosted invoice page. */
    invoice: Stripe.Invoice | null = null,
  ): Promise<void> {
    await this.db.transaction(async (m) => {
      if (
        !(await ATTEMPTS.finish(
          m,
          job,
          (bind) =>
            `status = 'requires_action', failure_reason = 'authentication_required', payment_intent_id = ${bind(pi.id)}`,
        ))
      )
        return;
      await this.events.publish(
        m,
        new PaymentActionRequired(job.user_id, {
          paymentIntentId: pi.id,
          invoiceId: invoice?.id ?? null,
          clientSecret: pi.client_secret ?? null,
          confirmUrl: invoice?.hosted_invoice_url ?? this.confirmUrl(pi.id),
          amount,
          currency,
          source: 'auto_top_up',
          reason: 'authentication_required',
        }),
      );
    });
  }

  private toResponse(userId: string, row: Config | undefined): Omit<AutoTopUpResponseDto, 'pending_payment'> {
    return {
      user_id: userId,
      enabled: row?.enabled ?? false,
      threshold: row?.threshold ?? null,
      price_id: row?.price_id ?? null,
      max_per_month: row?.max_per_month ?? null,
      failures: row?.failures ?? 0,
      disabled_reason: row?.disabled_reason ?? null,
      updated_at: row ? new Date(row.updated_at).toISOString() : null,
    };
  }
}
