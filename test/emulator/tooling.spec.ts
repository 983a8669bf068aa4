import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { parseStripeApiUrl, StripeEmulator } from '../../src/stripe-emulator';
import { trigger, TRIGGERABLE } from '../../src/stripe-emulator/trigger';
import { startHarness, type Harness } from './helpers';

describe('stripe emulator persistence', () => {
  it('keeps state across restarts in the statePath JSON file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stripe-emulator-'));
    try {
      const statePath = join(dir, 'state.json');
      const first = new StripeEmulator({ statePath });
      const url1 = await first.start(0);
      const s1 = new Stripe('sk_test_x', { ...parseStripeApiUrl(url1), maxNetworkRetries: 0 });
      const customer = await s1.customers.create({ email: 'persist@example.com' });
      await first.stop();

      const second = new StripeEmulator({ statePath });
      const url2 = await second.start(0);
      const s2 = new Stripe('sk_test_x', { ...parseStripeApiUrl(url2), maxNetworkRetries: 0 });
      expect(((await s2.customers.retrieve(customer.id)) as Stripe.Customer).email).toBe(
        'persist@example.com',
      );
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('stripe:trigger', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it.each(TRIGGERABLE.map((e) => [e]))('%s fires', async (event) => {
    const before = h.webhooks.received.length;
    await trigger(event, h.url);
    await h.emulator.whenDeliveriesSettled(5000);
    expect(h.webhooks.received.slice(before).map((r) => r.event.type)).toContain(event);
  });

  it('rejects unknown events', async () => {
    await expect(trigger('nope.event', h.url)).rejects.toThrow(/Unsupported event/);
  });
});
