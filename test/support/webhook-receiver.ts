import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  payload: {
    id: string;
    type: string;
    sequence: number | null;
    user_id: string | null;
    data: Record<string, unknown>;
  };
  /** Which of the receiver's secrets verified the delivery (with the official `standardwebhooks` package). */
  verifiedWith: string[];
  status: number;
}

/**
 * A host app's webhook receiver on a loopback port of its own: every delivery is verified with the
 * `standardwebhooks` npm package against each configured secret; answers come from `respond` (default 200).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  secrets: string[] = [];
  respond: (n: number, headers: IncomingHttpHeaders) => number = () => 200;
  private server?: Server;
  url = '';

  async start(path = '/hooks'): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const headers = {
          'webhook-id': String(req.headers['webhook-id'] ?? ''),
          'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
        };
        const verifiedWith = this.secrets.filter((s) => {
          try {
            new Webhook(s).verify(body, headers);
            return true;
          } catch {
            return false;
          }
        });
        const status = this.respond(this.received.length + 1, req.headers);
        this.received.push({
          id: headers['webhook-id'],
          timestamp: headers['webhook-timestamp'],
          signature: headers['webhook-signature'],
          body,
          payload: JSON.parse(body) as ReceivedWebhook['payload'],
          verifiedWith,
          status,
        });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
    return this;
  }

  ofType(type: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.payload.type === type);
  }

  withId(id: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.id === id);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
