import { createServer, type Server } from 'node:http';
import Stripe from 'stripe';
import { parseStripeApiUrl, StripeEmulator, type StripeEmulatorOptions } from '../../src/stripe-emulator';

export const WEBHOOK_SECRET = 'whsec_test_emulator_secret';

export interface ReceivedWebhook {
  body: string;
  signature: string;
  event: Stripe.Event;
}

/** A local webhook endpoint that records deliveries; `failNext` makes it answer 500 a number of times. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  failNext = 0;
  private server?: Server;
  url = '';

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.failNext > 0) {
          this.failNext -= 1;
          res.writeHead(500).end('boom');
          return;
        }
        const body = Buffer.concat(chunks).toString('utf8');
        this.received.push({
          body,
          signature: String(req.headers['stripe-signature']),
          event: JSON.parse(body) as Stripe.Event,
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    this.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/webhook`;
    return this.url;
  }

  types(): string[] {
    return this.received.map((r) => r.event.type);
  }

  ofType<T extends Stripe.Event.Type>(type: T): Array<Extract<Stripe.Event, { type: T }>> {
    return this.received
      .filter((r) => r.event.type === type)
      .map((r) => r.event as Extract<Stripe.Event, { type: T }>);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export interface Harness {
  emulator: StripeEmulator;
  stripe: Stripe;
  webhooks: WebhookReceiver;
  url: string;
  stop: () => Promise<void>;
}

/** Start an emulator with one webhook endpoint and a real SDK client configured like the app does. */
export async function startHarness(opts: StripeEmulatorOptions = {}): Promise<Harness> {
  const webhooks = new WebhookReceiver();
  await webhooks.start();
  const emulator = new StripeEmulator({
    ...opts,
    webhookEndpoints: [{ url: webhooks.url, secret: WEBHOOK_SECRET }],
  });
  const url = await emulator.start(0);
  const { host, port } = parseStripeApiUrl(url);
  const stripe = new Stripe('sk_test_emulator', { host, port, protocol: 'http', maxNetworkRetries: 2 });
  return {
    emulator,
    stripe,
    webhooks,
    url,
    stop: async () => {
      await emulator.stop();
      await webhooks.stop();
    },
  };
}

export async function createRecurringPrice(
  stripe: Stripe,
  amount = 1000,
  extra: Partial<Stripe.PriceCreateParams> = {},
): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name: 'Pro plan' });
  return stripe.prices.create({
    product: product.id,
    currency: 'usd',
    unit_amount: amount,
    recurring: { interval: 'month' },
    ...extra,
  });
}

export async function createOneTimePrice(
  stripe: Stripe,
  amount = 500,
  currency = 'usd',
): Promise<Stripe.Price> {
  const product = await stripe.products.create({ name: 'Credit pack' });
  return stripe.prices.create({ product: product.id, currency, unit_amount: amount });
}

/** Raw HTTP call helper (form encoded like the SDK) for negative tests the SDK would not send. */
export async function rawRequest(
  base: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: 'Bearer sk_test_emulator',
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    body,
    redirect: 'manual',
  });
  const text = await res.text();
  return {
    status: res.status,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: res.headers,
  };
}

export { idOf } from '../../src/stripe-emulator/ids';
