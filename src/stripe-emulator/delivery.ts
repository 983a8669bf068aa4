import { signPayload } from './signature';

export interface WebhookEndpointConfig {
  url: string;
  secret: string;
}

export interface ChaosOptions {
  duplicateRate?: number;
  shuffle?: boolean;
  maxDelayMs?: number;
}

export interface DeliveryRecord {
  eventId: string;
  type: string;
  url: string;
  attempts: number;
  lastStatus?: number;
  delivered: boolean;
}

interface Job {
  record: DeliveryRecord;
  endpoint: WebhookEndpointConfig;
  payload: string;
}

export const MAX_ATTEMPTS = 6;
const BASE_RETRY_MS = 100;
const MAX_RETRY_MS = 1_600;
const REQUEST_TIMEOUT_MS = 5_000;

/** Signed webhook delivery: one sequential lane per endpoint URL, retries with doubling backoff, optional chaos. */
export class WebhookDelivery {
  readonly records: DeliveryRecord[] = [];
  private readonly queue: Job[] = [];
  private readonly busy = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly controllers = new Set<AbortController>();
  private waiters: Array<() => void> = [];
  private paused = false;
  private stopped = false;

  constructor(
    readonly endpoints: WebhookEndpointConfig[],
    private readonly chaos: ChaosOptions,
    private readonly log: (msg: string) => void,
    private readonly onDelivered: (eventId: string) => void,
  ) {}

  enqueue(event: { id: string; type: string }): void {
    const payload = JSON.stringify(event, null, 2);
    for (const endpoint of this.endpoints) {
      const copies = Math.random() < (this.chaos.duplicateRate ?? 0) ? 2 : 1;
      for (let i = 0; i < copies; i++) {
        const record: DeliveryRecord = {
          eventId: event.id,
          type: event.type,
          url: endpoint.url,
          attempts: 0,
          delivered: false,
        };
        this.records.push(record);
        this.queue.push({ record, endpoint, payload });
      }
    }
    this.pump();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  get pending(): number {
    return this.queue.length + this.busy.size + this.timers.size;
  }

  settled(timeoutMs: number): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(new Error(`webhook deliveries not settled after ${timeoutMs}ms (${this.pending} pending)`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.controllers) c.abort();
    this.queue.length = 0;
    this.notify(true);
  }

  private notify(force = false): void {
    if (!force && this.pending !== 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private pump(): void {
    if (this.paused || this.stopped) return;
    for (;;) {
      const ready = this.queue.filter((j) => !this.busy.has(j.endpoint.url));
      if (ready.length === 0) break;
      const job = this.chaos.shuffle ? ready[Math.floor(Math.random() * ready.length)] : ready[0];
      this.queue.splice(this.queue.indexOf(job), 1);
      this.busy.add(job.endpoint.url);
      void this.attempt(job);
    }
    this.notify();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private async attempt(job: Job): Promise<void> {
    const maxDelay = this.chaos.maxDelayMs ?? 0;
    if (maxDelay > 0) await new Promise((r) => setTimeout(r, Math.floor(Math.random() * maxDelay)));
    if (this.stopped) return;
    job.record.attempts += 1;
    const status = await this.post(job);
    job.record.lastStatus = status;
    this.busy.delete(job.endpoint.url);
    if (this.stopped) return;
    if (status !== undefined && status >= 200 && status < 300) {
      job.record.delivered = true;
      this.log(`webhook ${job.record.type} ${job.record.eventId} → ${job.endpoint.url}: ${status}`);
      this.onDelivered(job.record.eventId);
    } else if (job.record.attempts < MAX_ATTEMPTS) {
      const delay = Math.min(BASE_RETRY_MS * 2 ** (job.record.attempts - 1), MAX_RETRY_MS);
      this.log(
        `webhook ${job.record.eventId} → ${job.endpoint.url} failed (${status ?? 'network error'}), retry in ${delay}ms`,
      );
      this.later(delay, () => {
        this.queue.push(job);
        this.pump();
      });
    } else {
      this.log(
        `webhook ${job.record.eventId} → ${job.endpoint.url} gave up after ${job.record.attempts} attempts`,
      );
    }
    this.pump();
  }

  private async post(job: Job): Promise<number | undefined> {
    const controller = new AbortController();
    this.controllers.add(controller);
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const res = await fetch(job.endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'stripe-signature': signPayload(job.payload, job.endpoint.secret, Math.floor(Date.now() / 1000)),
        },
        body: job.payload,
        signal: controller.signal,
      });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
      this.controllers.delete(controller);
    }
  }
}
