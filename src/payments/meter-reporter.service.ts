import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { InFlight } from '../common/db/leased-jobs';
import { meterReportsConfig, MeterReportsConfig } from '../config/meter-reports.config';
import { MeterReportsService, type ClaimedMeterReport } from '../credits/meter-reports.service';
import { TollgateMetrics } from '../metrics/metrics.service';
import type { MeterReportOutcome } from '../metrics/metrics';
import { STRIPE_CLIENT } from '../stripe/stripe.constants';
import { refId } from '../stripe/stripe-refs';
import { CustomerService } from './customer.service';

/** Stripe accepts a meter event whose timestamp is at most 35 days old; a little margin for the trip there. */
export const METER_EVENT_MAX_AGE_SECONDS = 35 * 86_400 - 300;

/** Backoff after the `attempt`-th failure: base · 2^(attempt−1), capped, then jittered to half to all of it. */
export function meterReportDelayMs(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const full = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(full / 2 + (random() * full) / 2);
}

type Failure =
  | { kind: 'duplicate' }
  | { kind: 'rate_limited'; error: string }
  | { kind: 'permanent'; error: string }
  | { kind: 'retry'; error: string };

/** What a failed meter event call means for its report. */
export function classifyMeterEventError(err: unknown): Failure {
  if (err instanceof Stripe.errors.StripeError) {
    const error = `${err.statusCode ?? '-'} ${err.code ?? err.type}: ${err.message}`;
    // Stripe already has an event with this identifier: the report was sent (by a crashed attempt, say).
    if (err.statusCode === 400 && /^An event already exists with identifier/.test(err.message))
      return { kind: 'duplicate' };
    if (err.statusCode === 429 || err instanceof Stripe.errors.StripeRateLimitError)
      return { kind: 'rate_limited', error };
    if (err.code === 'timestamp_too_far_in_past') return { kind: 'permanent', error };
    return { kind: 'retry', error };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return { kind: 'retry', error: `${e.name}: ${e.message}` };
}

export type FlushReport = Record<MeterReportOutcome, number> & { claimed: number };

/** The period close's comparison for one meter: what Tollgate recorded against what Stripe counted. */
export interface PeriodCloseCheck {
  event_name: string;
  meter: string | null;
  recorded: number;
  stripe: number | null;
  unsent: number;
  dead: number;
  verdict: 'match' | 'unsent' | 'dead_reports' | 'unexplained' | 'no_meter';
}

const emptyReport = (): FlushReport => ({
  claimed: 0,
  sent: 0,
  duplicate: 0,
  retried: 0,
  dead: 0,
  rate_limited: 0,
});

const minuteFloor = (s: number) => Math.floor(s / 60) * 60;
const minuteCeil = (s: number) => Math.ceil(s / 60) * 60;

/**
 * Sends the meter report outbox (credits' `credit_meter_reports`) to Stripe as billing meter events, and checks
 * a closing period against Stripe's meter before its renewal invoice finalizes.
 *
 * A run claims due reports in batches (a lease per report, so replicas never send one at once) and sends them
 * per (customer, event name) one after the other (Stripe allows one concurrent call per customer and meter), at
 * most `concurrency` pairs at once. Each event carries the report's identifier (Stripe deduplicates on it) and
 * its `occurred_at` as timestamp. Accepted, or refused as a duplicate identifier → `sent`. A rate limit (429)
 * stops the pair for this run without counting an attempt. A timestamp past Stripe's 35-day window → `dead` at
 * once. Anything else → retried with jittered exponential backoff, `dead` after `maxAttempts`.
 */
@Injectable()
export class MeterReporter implements BeforeApplicationShutdown {
  private readonly logger = new Logger('MeterReports');
  private readonly inFlight = new InFlight();
  private readonly meters = new Map<string, string>();
  private current?: Promise<FlushReport>;

  constructor(
    @Inject(STRIPE_CLIENT) private readonly stripe: Stripe,
    @Inject(meterReportsConfig.KEY) private readonly config: MeterReportsConfig,
    private readonly reports: MeterReportsService,
    private readonly customers: CustomerService,
    private readonly metrics: TollgateMetrics,
  ) {}

  /** One worker run now (batches until none is due); while one is in progress on this instance, that one. */
  runOnce(): Promise<FlushReport> {
    if (!this.inFlight.accepting) return Promise.resolve(emptyReport());
    this.current ??= this.inFlight
      .track(this.flush())
      .catch((err: unknown) => {
        this.logger.error({ err }, 'meter report run failed; the next run tries again');
        throw err;
      })
      .finally(() => {
        this.current = undefined;
      });
    return this.current;
  }

  /** Shutdown: claim nothing new, let sends in flight finish (their leases cover a hard kill). */
  async beforeApplicationShutdown(): Promise<void> {
    this.inFlight.stop();
    await this.inFlight.drain();
  }

  /**
   * Claims and sends batches until none is due, `maxBatches` were sent, or the deadline passed. `scope`: one
   * user's reports of periods starting before a time (the period close).
   */
  private async flush(scope?: { userId: string; before: Date }, deadline = Infinity): Promise<FlushReport> {
    const report = emptyReport();
    for (let batch = 0; batch < this.config.maxBatches && Date.now() < deadline; batch += 1) {
      const claimed = await this.reports.claim(this.config.batchSize, this.config.leaseMs, scope);
      report.claimed += claimed.length;
      await this.sendBatch(claimed, report);
      if (claimed.length < this.config.batchSize) break;
    }
    if (report.claimed > 0) this.logger.log(report, 'meter reports sent');
    return report;
  }

  private async sendBatch(claimed: ClaimedMeterReport[], report: FlushReport): Promise<void> {
    const pairs = new Map<string, ClaimedMeterReport[]>();
    for (const r of claimed) {
      const key = `${r.user_id}\u0000${r.event_name}`;
      pairs.set(key, [...(pairs.get(key) ?? []), r]);
    }
    const queue = [...pairs.values()];
    const customers = new Map<string, Promise<string | null>>();
    const customerOf = (userId: string) => {
      if (!customers.has(userId)) customers.set(userId, this.customers.customerIdOf(userId));
      return customers.get(userId)!;
    };
    const lanes = Math.min(this.config.concurrency, queue.length);
    await Promise.all(
      Array.from({ length: lanes }, async () => {
        for (let pair = queue.shift(); pair; pair = queue.shift())
          await this.sendPair(pair, await customerOf(pair[0].user_id), report);
      }),
    );
  }

  /** One (customer, event name) pair's reports, one after the other. */
  private async sendPair(
    pair: ClaimedMeterReport[],
    customer: string | null,
    report: FlushReport,
  ): Promise<void> {
    for (const [i, r] of pair.entries()) {
      const outcome = await this.sendOne(r, customer);
      report[outcome] += 1;
      if (outcome === 'rate_limited') {
        // Stripe asked to slow down: the pair's other reports wait too, none of them charged an attempt.
        for (const rest of pair.slice(i + 1))
          report[
            await this.recordFailure(rest, 'rate_limited', '429: not sent, the pair was rate limited')
          ] += 1;
        return;
      }
    }
  }

  private async sendOne(r: ClaimedMeterReport, customer: string | null): Promise<MeterReportOutcome> {
    if (!customer) return this.recordFailure(r, 'retry', 'the user has no Stripe customer');
    const timestamp = Math.floor(new Date(r.occurred_at).getTime() / 1000);
    if (timestamp < Date.now() / 1000 - METER_EVENT_MAX_AGE_SECONDS)
      return this.recordFailure(
        r,
        'permanent',
        "occurred_at is older than Stripe's 35-day meter event window",
      );
    try {
      // No idempotency key of our own: the identifier is Stripe's deduplication for meter events, for longer
      // than an idempotency key lives, and a key would refuse the retry of a report whose customer was fixed.
      await this.stripe.billing.meterEvents.create({
        event_name: r.event_name,
        payload: { stripe_customer_id: customer, value: String(r.value) },
        identifier: r.identifier,
        timestamp,
      });
    } catch (err) {
      const failure = classifyMeterEventError(err);
      if (failure.kind === 'duplicate') return this.recordSent(r, 'duplicate');
      return this.recordFailure(r, failure.kind, failure.error);
    }
    return this.recordSent(r, 'sent');
  }

  private async recordSent(
    r: ClaimedMeterReport,
    outcome: 'sent' | 'duplicate',
  ): Promise<MeterReportOutcome> {
    try {
      await this.reports.markSent(r);
    } catch (err) {
      // The lease expires and the report is sent again: Stripe knows its identifier, so it is never counted twice.
      this.logger.warn({ err, report_id: r.id }, 'meter report sent; could not record it (sent again later)');
    }
    this.metrics.meterReport(outcome);
    return outcome;
  }

  private async recordFailure(
    r: ClaimedMeterReport,
    kind: 'rate_limited' | 'permanent' | 'retry',
    error: string,
  ): Promise<MeterReportOutcome> {
    const dead = kind === 'permanent' || (kind === 'retry' && r.attempts >= this.config.maxAttempts);
    const attempt = kind === 'rate_limited' ? 1 : r.attempts;
    const delayMs = meterReportDelayMs(attempt, this.config.retryBaseMs, this.config.retryMaxMs);
    const outcome: MeterReportOutcome = dead ? 'dead' : kind === 'rate_limited' ? 'rate_limited' : 'retried';
    try {
      await this.reports.markFailed(r, { dead, delayMs, error, uncounted: kind === 'rate_limited' });
    } catch (err) {
      this.logger.warn({ err, report_id: r.id }, 'meter report failed; could not record it (retried later)');
    }
    const line = {
      report_id: r.id,
      user_id: r.user_id,
      event_name: r.event_name,
      attempts: r.attempts,
      error,
    };
    if (dead) this.logger.error(line, `meter report ${r.identifier} is dead: an operator must retry it`);
    else if (kind === 'retry') this.logger.warn(line, `meter report ${r.identifier} failed; retried`);
    this.metrics.meterReport(outcome);
    return outcome;
  }

  /**
   * The period close, on a renewal's draft invoice (`invoice.created`, `subscription_cycle`): sends the
   * customer's waiting reports of the ended period now (bounded by `closeFlushMs`), then compares, per event
   * name, what Tollgate recorded over the period with Stripe's meter summary for the customer. Reports still
   * waiting or being sent make it throw (the event is retried within the invoice's draft hour); a difference
   * dead reports explain, or one nothing explains, is logged as an error and counted
   * (`tollgate_meter_usage_mismatches_total`). Stripe's summaries take minute boundaries: the window is the
   * period widened to whole minutes, on both sides.
   */
  async closePeriod(invoice: Stripe.Invoice): Promise<PeriodCloseCheck[]> {
    const customer = refId(invoice.customer);
    const userId = customer ? await this.customers.userIdOf(customer) : null;
    if (!customer || !userId) return [];
    const from = minuteFloor(invoice.period_start);
    const to = minuteCeil(invoice.period_end);
    if (to <= from) return [];
    const end = new Date(invoice.period_end * 1000);
    await this.reports.expedite(userId, end);
    const flushed = await this.inFlight.track(
      this.flush({ userId, before: end }, Date.now() + this.config.closeFlushMs),
    );
    const checks: PeriodCloseCheck[] = [];
    for (const u of await this.reports.usage(userId, new Date(from * 1000), new Date(to * 1000))) {
      const meter = await this.meterFor(u.event_name);
      let stripeTotal: number | null = null;
      if (meter) {
        stripeTotal = 0;
        for await (const s of this.stripe.billing.meters.listEventSummaries(meter, {
          customer,
          start_time: from,
          end_time: to,
        }))
          stripeTotal += s.aggregated_value;
      }
      checks.push({ ...u, meter, stripe: stripeTotal, verdict: verdict(u, stripeTotal) });
    }
    const context = { invoice_id: invoice.id, customer, user_id: userId, period: [from, to], flushed };
    for (const c of checks) {
      if (c.verdict === 'match' || c.verdict === 'unsent') continue;
      this.metrics.meterUsageMismatch(c.verdict);
      this.logger.error(
        { ...context, check: c },
        `METER USAGE MISMATCH for ${customer} (${c.event_name}): Tollgate recorded ${c.recorded}, Stripe has ` +
          `${c.stripe ?? 'no meter'} — invoice ${invoice.id} finalizes within the hour with Stripe's figure`,
      );
    }
    const waiting = checks.filter((c) => c.verdict === 'unsent');
    if (waiting.length > 0)
      throw new Error(
        `period close for invoice ${invoice.id}: ${waiting.map((c) => `${c.unsent} ${c.event_name}`).join(', ')} ` +
          'still unsent to Stripe; retried',
      );
    if (checks.length > 0) this.logger.log({ ...context, checks }, `period closed for ${customer}`);
    return checks;
  }

  /** The active meter of an event name (listed once, listed again for a name not seen yet). */
  private async meterFor(eventName: string): Promise<string | null> {
    if (!this.meters.has(eventName)) {
      for await (const m of this.stripe.billing.meters.list({ status: 'active', limit: 100 }))
        this.meters.set(m.event_name, m.id);
    }
    return this.meters.get(eventName) ?? null;
  }
}

/** Recorded vs Stripe: equal; short by reports still on their way; short by dead ones; or not explained. */
function verdict(
  u: { recorded: number; unsent: number; dead: number },
  stripe: number | null,
): PeriodCloseCheck['verdict'] {
  if (stripe === null) return 'no_meter';
  const missing = u.recorded - stripe;
  if (missing === 0) return 'match';
  if (missing > 0 && missing <= u.unsent) return 'unsent';
  if (missing > 0 && missing <= u.unsent + u.dead) return u.unsent > 0 ? 'unsent' : 'dead_reports';
  return 'unexplained';
}
