import { Injectable } from '@nestjs/common';

/** The thresholds a balance posting crossed: downward (credits.low) and upward (credits.recovered). */
export interface ThresholdCrossings {
  low: number[];
  recovered: number[];
}

/**
 * Which thresholds one posting crossed, from its total before and after. Pure and stateless: a threshold
 * fires `low` when the total falls from above it to at or below it, and `recovered` when it rises from at or
 * below it to above it, so it re-arms by itself once the balance is back above it. Postings of one user are
 * serialized by the ledger's balance lock, so under any concurrency exactly one posting crosses a threshold
 * in each direction. Highest threshold first.
 */
export function thresholdCrossings(
  before: number,
  after: number,
  thresholds: readonly number[],
): ThresholdCrossings {
  const sorted = [...new Set(thresholds)].sort((a, b) => b - a);
  if (after < before) return { low: sorted.filter((t) => before > t && after <= t), recovered: [] };
  if (after > before) return { low: [], recovered: sorted.filter((t) => before <= t && after > t) };
  return { low: [], recovered: [] };
}

/**
 * Per-user low-balance thresholds held in memory, so the posting path asks no query for them: the
 * spend-controls module keeps this copy of `spend_controls.low_balance_thresholds` current (loaded at boot,
 * updated on its own writes and on every other replica's by NOTIFY), and the outbound reactions read it. A user
 * absent from it uses the global default (OUTBOUND_CREDITS_LOW_THRESHOLD).
 */
@Injectable()
export class LowBalanceThresholds {
  private byUser = new Map<string, readonly number[]>();

  /** The user's own list ([] = no low-balance alerts), or undefined when they use the default. */
  of(userId: string): readonly number[] | undefined {
    return this.byUser.get(userId);
  }

  /** Sets (a list) or clears (null: back to the default) one user's thresholds. */
  set(userId: string, thresholds: readonly number[] | null): void {
    if (thresholds) this.byUser.set(userId, Object.freeze([...thresholds]));
    else this.byUser.delete(userId);
  }

  /** Replaces every user's thresholds at once (a full reload). */
  replaceAll(entries: Iterable<[string, readonly number[]]>): void {
    const next = new Map<string, readonly number[]>();
    for (const [user, list] of entries) next.set(user, Object.freeze([...list]));
    this.byUser = next;
  }

  get size(): number {
    return this.byUser.size;
  }
}
