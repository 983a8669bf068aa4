import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DomainEvents } from '../../common/events/domain-events';
import {
  CreditsExpiringSoon,
  CreditsPosted,
  LowBalanceThresholds,
  PostingCause,
  SUBSCRIBER_ORDER,
  thresholdCrossings,
} from '../../common/facts';
import { outboundConfig, OutboundConfig } from '../../config/outbound.config';
import { OutboundEventsService } from '../outbound-events.service';
import type { CreditsBalanceData } from './payloads';

/** Where a balance event says the debit came from. */
function causeOf(c: PostingCause): Pick<CreditsBalanceData, 'cause' | 'operation' | 'source_id'> {
  switch (c.kind) {
    case 'consume':
      return { cause: 'consume', operation: c.operation };
    case 'clawback':
      return { cause: c.reason, source_id: c.sourceId };
    case 'period':
      return { cause: 'period_expiry', source_id: c.subscriptionId };
    case 'subscription_ended':
      return { cause: 'subscription_ended', source_id: c.subscriptionId };
    case 'adjustment':
      return { cause: 'admin_adjustment', source_id: c.actorId };
    case 'consume_refund':
      return { cause: 'consume_refund', operation: c.operation };
    case 'purchase':
      return { cause: 'purchase', source_id: c.checkoutSessionId };
    case 'dispute_reversal':
      return { cause: 'dispute_reversal', source_id: c.disputeId };
    case 'grant':
      return { cause: 'grant', source_id: c.grantId };
    case 'void':
      return { cause: 'grant_void', source_id: c.grantId };
    case 'expiry':
      return { cause: 'grant_expiry' };
    case 'hold':
      return { cause: 'hold', operation: c.holdId };
    case 'hold_settled':
      return { cause: 'hold_settled', operation: c.holdId };
  }
}

/** Ledger reasons that add credits to a balance as credits.granted. */
const GRANTED = new Set(['purchase', 'subscription_grant', 'period_reset', 'grant']);
/** Ledger reasons by which a grant's credits end unspent, as credits.expired. */
const EXPIRED = new Set(['grant_expiry', 'period_expiry', 'subscription_ended']);

/**
 * Credits facts → outbound events: credits.granted (purchases and periods), credits.consumed, credits.clawed_back,
 * usage.overage_started and usage.cap_reached (once per billing period each),
 * and, from ONE comparison of the posting's balance before and after for every debit path, credits.low (the
 * total falls from above a threshold to at or below it), credits.recovered (back above one of the user's own
 * thresholds) and credits.depleted (it reaches 0).
 */
@Injectable()
export class CreditReactions implements OnModuleInit {
  constructor(
    private readonly events: DomainEvents,
    private readonly outbox: OutboundEventsService,
    @Inject(outboundConfig.KEY) private readonly config: OutboundConfig,
    private readonly thresholds: LowBalanceThresholds,
  ) {}

  onModuleInit(): void {
    this.events.subscribe(CreditsPosted, {
      order: SUBSCRIBER_ORDER.outbound,
      name: 'outbound',
      // The consume hot path opens a transaction only while an endpoint subscribes to a consumption event.
      wants: () => this.outbox.watchesConsumption(),
      handle: (m, fact) => this.react(m, fact),
    });
    this.events.subscribe(CreditsExpiringSoon, {
      order: SUBSCRIBER_ORDER.outbound,
      name: 'outbound',
      handle: async (m, fact) => {
        await this.outbox.emit(m, {
          type: 'credits.expiring_soon',
          userId: fact.userId,
          data: {
            grant_id: fact.grantId,
            amount: fact.amount,
            bucket: fact.bucket,
            expires_at: fact.expiresAt.toISOString(),
          },
        });
      },
    });
  }

  private async react(m: EntityManager, fact: CreditsPosted): Promise<void> {
    const { userId, cause, after } = fact;
    // A consume outside the hot path's own check (an Idempotency-Key consume is always in a transaction):
    // its events are recorded only while someone subscribes, as on the hot path.
    if (cause.kind === 'consume' && !(await this.outbox.watchesConsumptionIn(m))) return;
    const balances = {
      monthly_credits: after.monthly,
      purchased_credits: after.purchased,
      promotional_credits: after.promotional,
      total_credits: fact.totalAfter,
      held_credits: after.held,
    };
    if (cause.kind === 'consume') {
      const taken = (bucket: string) =>
        -fact.movements.filter((mv) => mv.bucket === bucket).reduce((sum, mv) => sum + mv.amount, 0);
      await this.outbox.emit(m, {
        type: 'credits.consumed',
        userId,
        data: {
          amount: cause.amount,
          reason: cause.reason,
          operation: cause.operation,
          from_monthly: taken('monthly'),
          from_purchased: taken('purchased'),
          from_promotional: taken('promotional'),
          ...balances,
        },
      });
    }
    if (cause.kind === 'consume' && cause.overage) await this.overageMilestones(m, userId, cause);
    for (const mv of fact.movements) {
      if (EXPIRED.has(mv.reason) && mv.amount < 0 && mv.grantId) {
        const data = {
          grant_id: mv.grantId,
          amount: -mv.amount,
          bucket: mv.bucket,
          reason: mv.reason,
          ...balances,
        };
        await this.outbox.emit(m, { type: 'credits.expired', userId, data });
        continue;
      }
      if (mv.reason === 'grant_void' && cause.kind === 'void' && mv.grantId) {
        const data = {
          grant_id: mv.grantId,
          amount: -mv.amount,
          bucket: mv.bucket,
          note: cause.note,
          ...balances,
        };
        await this.outbox.emit(m, { type: 'credits.voided', userId, data });
        continue;
      }
      if (!GRANTED.has(mv.reason) || mv.amount <= 0) continue;
      const periodStart = cause.kind === 'period' ? { period_start: cause.periodStart } : {};
      await this.outbox.emit(m, {
        type: 'credits.granted',
        userId,
        data: {
          amount: mv.amount,
          bucket: mv.bucket,
          reason: mv.reason,
          source_type: mv.sourceType ?? '',
          source_id: mv.sourceId ?? '',
          ...periodStart,
          grant_id: mv.grantId,
          expires_at: typeof mv.metadata.expires_at === 'string' ? mv.metadata.expires_at : null,
          ...balances,
        },
      });
    }
    if (cause.kind === 'hold_settled') {
      const { holdId, status, captured, returned } = cause;
      const data = { hold_id: holdId, status, captured, returned, ...balances };
      await this.outbox.emit(m, { type: 'credits.hold_settled', userId, data });
    }
    if (cause.kind === 'clawback') {
      const taken = -fact.movements.reduce((sum, mv) => sum + mv.amount, 0);
      await this.outbox.emit(m, {
        type: 'credits.clawed_back',
        userId,
        data: {
          amount: taken,
          requested: cause.requested,
          shortfall: cause.requested - taken,
          bucket: 'purchased',
          reason: cause.reason,
          source_type: cause.sourceType,
          source_id: cause.sourceId,
          ...balances,
        },
      });
    }
    await this.balanceCrossings(m, fact);
  }

  /**
   * usage.overage_started (the period's first consume past the balance) and usage.cap_reached (the consume that
   * leaves the period's overage at its cap): each once per user and billing period, claimed in this transaction
   * (OutboundEventsService.emitOnce keyed by the period's start), so concurrent consumes and retries raise one.
   */
  private async overageMilestones(
    m: EntityManager,
    userId: string,
    cause: PostingCause & { kind: 'consume' },
  ): Promise<void> {
    const o = cause.overage!;
    const scope = o.periodStart.toISOString();
    const data = {
      operation: cause.operation,
      reason: cause.reason,
      overage_credits: o.taken,
      overage_used: o.used,
      cap: o.cap,
      period_start: scope,
      period_end: o.periodEnd.toISOString(),
    };
    await this.outbox.emitOnce(m, scope, { type: 'usage.overage_started', userId, data });
    if (o.used >= o.cap) await this.outbox.emitOnce(m, scope, { type: 'usage.cap_reached', userId, data });
  }

  /**
   * credits.low / credits.recovered / credits.depleted: the balance before the posting against the balance after
   * it. One credits.low per threshold the fall crossed, naming it; a user's own list (spend controls, held in
   * memory: no query here) replaces the global threshold, and only a user's own list raises credits.recovered
   * (the default keeps the event stream it always had). Only fact.userId, totalBefore and totalAfter are read.
   */
  private async balanceCrossings(m: EntityManager, fact: CreditsPosted): Promise<void> {
    const before = fact.totalBefore;
    const after = fact.totalAfter;
    if (after === before) return;
    const own = this.thresholds.of(fact.userId);
    const crossed = thresholdCrossings(before, after, own ?? [this.config.creditsLowThreshold]);
    const base = { ...causeOf(fact.cause), total_credits_before: before, total_credits: after };
    for (const threshold of crossed.low)
      await this.outbox.emit(m, { type: 'credits.low', userId: fact.userId, data: { ...base, threshold } });
    if (own)
      for (const threshold of crossed.recovered)
        await this.outbox.emit(m, {
          type: 'credits.recovered',
          userId: fact.userId,
          data: { ...base, threshold },
        });
    if (before > 0 && after === 0)
      await this.outbox.emit(m, {
        type: 'credits.depleted',
        userId: fact.userId,
        data: {
          ...base,
          threshold: own ? (own.length ? Math.min(...own) : 0) : this.config.creditsLowThreshold,
        },
      });
  }
}
