import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { noSuchObject } from './errors';
import type { StoredObject } from './types';

/** Emulator-private state that is not a Stripe object (never returned by the API). */
export interface InternalState {
  /** payment method id → card number (to decide later charge outcomes) */
  cards: Record<string, string>;
  /** checkout session id → its line items (`item` objects) */
  lineItems: Record<string, StoredObject[]>;
  /** subscription id → pending proration lines for the next invoice */
  pendingProrations: Record<string, StoredObject[]>;
  /** one-shot markers, e.g. `trial_will_end:sub_123` */
  flags: Record<string, boolean>;
  /** invoice number sequence per customer */
  invoiceSeq: Record<string, number>;
  /** checkout session id → settings that have no field on the session object */
  sessionExtras: Record<string, SessionExtras>;
  /** product id → the Entitlements features attached to it (product_feature ids and their feature) */
  productFeatures: Record<string, Array<{ id: string; feature: string }>>;
  /** customer id → the lookup keys of the last announced active entitlement summary */
  entitlementSummaries: Record<string, string>;
  /** every accepted billing meter event, in order of arrival (Stripe has no API to read them back) */
  meterEvents: MeterEventRecord[];
  /** draft invoice id → its metered lines, counted again from the meter when the invoice finalizes */
  meteredLines: Record<string, MeteredLine[]>;
  /** subscription item id → when it took its metered price mid-period (usage before that is not billed) */
  meteredSince: Record<string, number>;
}

/** A billing meter event as the emulator keeps it (internal state: Stripe has no API to read events back). */
export interface MeterEventRecord {
  identifier: string;
  event_name: string;
  meter: string;
  customer: string;
  value: number;
  timestamp: number;
  /** order of arrival (`last` and pre-aggregated windows take the latest received) */
  seq: number;
}

/** A metered line of a draft subscription invoice: the subscription item, its price and the usage period. */
export interface MeteredLine {
  line: string;
  price: string;
  start: number;
  end: number;
  /** usage in a trial period is shown but not charged */
  trial: boolean;
}

export interface SessionExtras {
  trialDays?: number;
  subscriptionMetadata: Record<string, string>;
  couponId?: string;
  promotionCodeId?: string;
  /** payment mode: `payment_intent_data[setup_future_usage]` (the card is saved on the customer) */
  setupFutureUsage?: 'on_session' | 'off_session';
  /** setup mode: `setup_intent_data[metadata]` */
  setupIntentMetadata?: Record<string, string>;
}

interface Snapshot {
  version: 1;
  objects: StoredObject[];
  internal: InternalState;
}

const emptyInternal = (): InternalState => ({
  cards: {},
  lineItems: {},
  pendingProrations: {},
  flags: {},
  invoiceSeq: {},
  sessionExtras: {},
  productFeatures: {},
  entitlementSummaries: {},
  meterEvents: [],
  meteredLines: {},
  meteredSince: {},
});

/** In-memory object store (optionally persisted as one JSON file). Objects are live: mutate in place. */
export class Store {
  private objects = new Map<string, StoredObject>();
  private order = new Map<string, number>();
  private counter = 0;
  internal: InternalState = emptyInternal();

  constructor(private readonly statePath?: string) {}

  insert<T extends StoredObject>(obj: T): T {
    if (!this.order.has(obj.id)) this.order.set(obj.id, this.counter++);
    this.objects.set(obj.id, obj);
    return obj;
  }

  remove(id: string): void {
    this.objects.delete(id);
    this.order.delete(id);
  }

  get<T>(id: string): T | undefined {
    return this.objects.get(id) as T | undefined;
  }

  /** Retrieve an object of the given `object` type or throw Stripe's 404 `resource_missing`. */
  require<T>(id: string, objectType: string, kind: string, param = 'id'): T {
    const obj = this.objects.get(id);
    if (!obj || obj.object !== objectType) throw noSuchObject(kind, id, param);
    return obj as unknown as T;
  }

  /** All objects of a type, newest first (Stripe list order). */
  all<T>(objectType: string, filter?: (o: T) => boolean): T[] {
    const out: StoredObject[] = [];
    for (const obj of this.objects.values()) {
      if (obj.object === objectType && (!filter || filter(obj as unknown as T))) out.push(obj);
    }
    out.sort((a, b) => (this.order.get(b.id) ?? 0) - (this.order.get(a.id) ?? 0));
    return out as unknown as T[];
  }

  load(): void {
    if (!this.statePath) return;
    let text: string;
    try {
      text = readFileSync(this.statePath, 'utf8');
    } catch {
      return; // first run: no state yet
    }
    const snap = JSON.parse(text) as Snapshot;
    this.objects.clear();
    this.order.clear();
    this.counter = 0;
    for (const obj of snap.objects) this.insert(obj);
    this.internal = { ...emptyInternal(), ...snap.internal };
  }

  save(): void {
    if (!this.statePath) return;
    const ordered = [...this.objects.values()].sort(
      (a, b) => (this.order.get(a.id) ?? 0) - (this.order.get(b.id) ?? 0),
    );
    const snap: Snapshot = { version: 1, objects: ordered, internal: this.internal };
    const tmp = `${this.statePath}.tmp`;
    writeFileSync(tmp, JSON.stringify(snap));
    renameSync(tmp, this.statePath);
  }
}

/** Deep copy for API responses and event payloads. */
export function snapshot<T>(obj: T): T {
  return structuredClone(obj);
}
