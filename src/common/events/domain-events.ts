import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { afterCommit } from './after-commit';

/** A fact's class: the bus is keyed by it, never by a string. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type FactClass<F extends object> = abstract new (...args: any[]) => F;

/**
 * A subscriber that acts inside the publisher's transaction (an outbox row, a derived table). `order` is
 * explicit and unique per fact class: subscribers run one after the other in ascending order, each awaited;
 * an error rolls the publisher's transaction back (there is no way to suppress it).
 */
export interface BlockingSubscriber<F> {
  order: number;
  name: string;
  handle(m: EntityManager, fact: F): Promise<void>;
  /**
   * Whether this subscriber wants facts of this class right now (about this user, when the publisher names
   * one). A publisher that could skip its transaction (the consume hot path) asks `DomainEvents.wanted` first;
   * absent means "always".
   */
  wants?(userId?: string): boolean | Promise<boolean>;
  /**
   * For a balance fact: the subscriber acts only on a posting that takes this user's total from at or above this
   * figure to below it (undefined: on any). A publisher that can refuse such a posting where it would skip its
   * transaction (the consume hot path) asks `DomainEvents.demand` and runs only those in a transaction.
   */
  onlyCrossingBelow?(userId: string): number | undefined;
}

/** What the blocking subscribers want of a user's facts: none, every one, or only one crossing below a figure. */
export type Demand = { kind: 'none' } | { kind: 'all' } | { kind: 'crossing'; below: number };

/** A subscriber that runs only once the publisher's transaction committed (metrics, info logs). */
export type CommittedSubscriber<F> = (fact: F) => void;

/**
 * The typed domain-event bus (CONVENTIONS §17: commands go down by call, facts go out by typed event in the
 * same transaction). Stripe's inbound events keep their own EventEmitter dispatch; this bus is for Tollgate's
 * own facts, where order and "in the same transaction" matter, which `EventEmitter2.emitAsync` cannot give.
 */
@Injectable()
export class DomainEvents {
  private readonly blocking = new Map<FactClass<object>, Array<BlockingSubscriber<object>>>();
  private readonly committed = new Map<FactClass<object>, Array<CommittedSubscriber<object>>>();

  /** Registers a blocking subscriber; two subscribers of one class with the same order are a wiring error. */
  subscribe<F extends object>(type: FactClass<F>, subscriber: BlockingSubscriber<F>): void {
    const list = this.blocking.get(type) ?? [];
    const clash = list.find((s) => s.order === subscriber.order);
    if (clash)
      throw new Error(
        `${type.name}: subscribers ${clash.name} and ${subscriber.name} both claim order ${subscriber.order}`,
      );
    list.push(subscriber);
    list.sort((a, b) => a.order - b.order);
    this.blocking.set(type, list);
  }

  /** Registers an after-commit subscriber (its errors are its own: they cannot undo a commit). */
  afterCommit<F extends object>(type: FactClass<F>, subscriber: CommittedSubscriber<F>): void {
    const list = this.committed.get(type) ?? [];
    list.push(subscriber as CommittedSubscriber<object>);
    this.committed.set(type, list);
  }

  /** The blocking subscribers of a class, in the order they run (for tests and the README's wiring list). */
  subscribersOf(type: FactClass<object>): string[] {
    return (this.blocking.get(type) ?? []).map((s) => s.name);
  }

  /**
   * Whether any blocking subscriber wants facts of this class now, about `userId` when given (if not, the
   * publisher needs no transaction).
   */
  async wanted(type: FactClass<object>, userId?: string): Promise<boolean> {
    for (const s of this.blocking.get(type) ?? []) if (!s.wants || (await s.wants(userId))) return true;
    return false;
  }

  /** `wanted`, finer: whether the subscribers want every fact about this user, none, or one crossing a floor. */
  async demand(type: FactClass<object>, userId: string): Promise<Demand> {
    let below: number | undefined;
    for (const s of this.blocking.get(type) ?? []) {
      if (s.wants && !(await s.wants(userId))) continue;
      const floor = s.onlyCrossingBelow?.(userId);
      if (floor === undefined) return { kind: 'all' };
      // Two floors cannot share one refusal: whoever has two is watched on every fact.
      if (below !== undefined && below !== floor) return { kind: 'all' };
      below = floor;
    }
    return below === undefined ? { kind: 'none' } : { kind: 'crossing', below };
  }

  /**
   * Publishes a fact inside the transaction `m`: blocking subscribers run now, in order, awaited; after-commit
   * subscribers are queued for the commit (a rollback drops them).
   */
  async publish<F extends object>(m: EntityManager, fact: F): Promise<void> {
    const type = fact.constructor as FactClass<object>;
    for (const s of this.blocking.get(type) ?? []) await s.handle(m, fact);
    const after = this.committed.get(type);
    if (after) afterCommit(m, () => this.runCommitted(after, fact));
  }

  /**
   * A fact whose change already committed on its own (a single autocommit statement). Only allowed when no
   * blocking subscriber wants it (the publisher asked `wanted` first); after-commit subscribers run now.
   */
  committedFact<F extends object>(fact: F): void {
    const after = this.committed.get(fact.constructor as FactClass<object>);
    if (after) this.runCommitted(after, fact);
  }

  private runCommitted(list: Array<CommittedSubscriber<object>>, fact: object): void {
    for (const fn of list) fn(fact);
  }
}
