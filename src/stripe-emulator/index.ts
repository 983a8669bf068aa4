import type { Ctx } from './ctx';
import {
  WebhookDelivery,
  type ChaosOptions,
  type DeliveryRecord,
  type WebhookEndpointConfig,
} from './delivery';
import { completeCheckout } from './engine/checkout';
import { authenticatePaymentIntent, type PaymentIntent } from './engine/payments';
import type { BillingInput } from './engine/checkout-tax';
import { makeTaxPending } from './engine/tax';
import { advanceClock, type TestClock } from './engine/clock';
import { ApiError } from './errors';
import { refreshEntitlementSummary } from './engine/entitlements';
import { EventBus } from './events';
import { idOf } from './ids';
import { buildRouter } from './resources';
import { EmulatorServer } from './server';
import { createSignedPayload } from './signature';
import { Store } from './store';

export type { WebhookEndpointConfig } from './delivery';

export interface StripeEmulatorOptions {
  webhookEndpoints?: WebhookEndpointConfig[];
  /** optional JSON file persistence; in-memory when unset */
  statePath?: string;
  /** test option: duplicate, reorder and delay webhook deliveries */
  chaos?: ChaosOptions;
  /** for hosted page URLs; default = the listening URL */
  publicBaseUrl?: string;
  logger?: (msg: string) => void;
  /** Stripe Tax on the emulated account: `active` (default, head office in the US) or `pending` (not set up) */
  taxStatus?: 'active' | 'pending';
}

function refuseProduction(): void {
  if (process.env.NODE_ENV === 'production') {
    throw new Error('The Stripe emulator must never run with NODE_ENV=production.');
  }
}

/**
 * Offline Stripe API emulator for development and tests. Test mode only — NO REAL MONEY MOVES.
 * Drive it with the real `stripe` SDK: `new Stripe('sk_test_x', { ...parseStripeApiUrl(emulator.url) })`.
 */
export class StripeEmulator {
  private readonly store: Store;
  private readonly delivery: WebhookDelivery;
  private readonly events: EventBus;
  private readonly ctx: Ctx;
  private readonly server: EmulatorServer;
  private listeningUrl = '';

  constructor(private readonly opts: StripeEmulatorOptions = {}) {
    refuseProduction();
    const log = opts.logger ?? ((): void => undefined);
    this.store = new Store(opts.statePath);
    this.store.load();
    if (opts.taxStatus === 'pending') makeTaxPending(this.store);
    this.delivery = new WebhookDelivery([...(opts.webhookEndpoints ?? [])], opts.chaos ?? {}, log, (id) =>
      this.events.markFinished(id),
    );
    this.events = new EventBus(this.store, this.delivery);
    this.ctx = {
      store: this.store,
      events: this.events,
      baseUrl: () => (this.opts.publicBaseUrl ?? this.listeningUrl).replace(/\/$/, ''),
      log,
    };
    this.events.afterEmit = (type, object) => {
      if (type.startsWith('customer.subscription.'))
        refreshEntitlementSummary(this.ctx, idOf(object.customer));
    };
    this.server = new EmulatorServer(this.ctx, buildRouter());
  }

  /** Start listening (port 0 = random). Resolves the base URL, e.g. `http://127.0.0.1:41234`. */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    refuseProduction();
    const addr = await this.server.listen(port, host);
    this.listeningUrl = `http://${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${addr.port}`;
    this.ctx.log(`Stripe emulator listening on ${this.listeningUrl} (test mode, no real money moves)`);
    return this.listeningUrl;
  }

  /** Stop the server and all pending webhook deliveries (state is saved when statePath is set). */
  async stop(): Promise<void> {
    this.delivery.stop();
    await this.server.close();
    this.store.save();
  }

  get url(): string {
    return this.listeningUrl;
  }

  addWebhookEndpoint(ep: WebhookEndpointConfig): void {
    this.delivery.endpoints.push({ ...ep });
  }

  /** Same effect as submitting the hosted checkout form. */
  async completeCheckout(
    sessionId: string,
    opts: { card?: string; promotionCode?: string } & BillingInput = {},
  ): Promise<{ ok: boolean; error?: { code: string; decline_code?: string; message: string } }> {
    const result = completeCheckout(this.ctx, sessionId, opts);
    this.store.save();
    return result.ok ? { ok: true } : { ok: false, error: result.error };
  }

  /** The hosted 3-D Secure step of a PaymentIntent that `requires_action` (as the page's buttons do). */
  async authenticatePaymentIntent(id: string, passed = true): Promise<void> {
    const pi = this.store.require<PaymentIntent>(id, 'payment_intent', 'payment_intent');
    if (pi.status !== 'requires_action')
      throw new ApiError(400, 'invalid_request_error', `PaymentIntent ${id} does not require an action.`);
    authenticatePaymentIntent(this.ctx, pi, passed, Math.floor(Date.now() / 1000));
    this.store.save();
  }

  /** Same as `stripe.testHelpers.testClocks.advance(clockId, { frozen_time })`. */
  async advanceTestClock(clockId: string, frozenTime: number): Promise<void> {
    const clock = this.store.require<TestClock>(clockId, 'test_helpers.test_clock', 'test_clock');
    if (frozenTime < (clock.frozen_time ?? 0)) {
      throw new ApiError(400, 'invalid_request_error', 'Cannot advance a test clock backwards.', {
        param: 'frozen_time',
      });
    }
    advanceClock(this.ctx, clock, frozenTime);
    this.store.save();
  }

  /** Resolves when no webhook delivery is pending or waiting for a retry; rejects after `timeoutMs`. */
  whenDeliveriesSettled(timeoutMs = 10_000): Promise<void> {
    return this.delivery.settled(timeoutMs);
  }

  get deliveries(): DeliveryRecord[] {
    return this.delivery.records;
  }

  pauseDeliveries(): void {
    this.delivery.pause();
  }

  resumeDeliveries(): void {
    this.delivery.resume();
  }

  /** Build a payload + `Stripe-Signature` header exactly like Stripe signs webhooks. */
  createSignedPayload(
    event: object,
    secret: string,
    timestamp?: number,
  ): { payload: string; header: string } {
    return createSignedPayload(event, secret, timestamp);
  }
}

export { parseStripeApiUrl } from './api-url';
