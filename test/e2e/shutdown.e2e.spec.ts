import { CheckoutFulfilmentService } from '../../src/payments/checkout-fulfilment.service';
import { WebhookProcessor } from '../../src/webhooks/webhook-processor.service';
import { registerUser } from '../factories/user.factory';
import { catalogPrice, openCheckout } from '../support/stripe-helpers';
import { createTestApp, waitFor } from '../support/test-app';

type Finish = (m: unknown, claimed: { type: string }, status: string) => Promise<void>;

describe('graceful shutdown (e2e)', () => {
  it('lets an in-flight webhook event commit before the database closes', async () => {
    const t = await createTestApp();
    const pack = await catalogPrice(t, 'one_time');
    const user = await registerUser(t);

    // Hold the checkout handler mid-flight (after its Stripe read, before its transaction).
    const billing = t.app.get(CheckoutFulfilmentService);
    const prepare = billing.prepareCheckout.bind(billing);
    let entered = false;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    jest.spyOn(billing, 'prepareCheckout').mockImplementation(async (id: string) => {
      const prepared = await prepare(id);
      entered = true;
      await gate;
      return prepared;
    });
    // Record what really committed.
    const processor = t.app.get<WebhookProcessor, { finish: Finish }>(WebhookProcessor);
    const finish = processor.finish.bind(processor);
    const committed: string[] = [];
    jest.spyOn(processor, 'finish').mockImplementation(async (m, claimed, status) => {
      await finish(m, claimed, status);
      committed.push(`${claimed.type}:${status}`);
    });

    const session = await openCheckout(t, user, 'payment', pack.priceId);
    await t.emulator.completeCheckout(session.id, { card: '4242424242424242' });
    await waitFor(() => entered, 'the checkout handler to be in flight');

    let draining = false;
    const drain = (processor as unknown as { beforeApplicationShutdown: () => Promise<void> })
      .beforeApplicationShutdown;
    jest
      .spyOn(
        processor as unknown as { beforeApplicationShutdown: () => Promise<void> },
        'beforeApplicationShutdown',
      )
      .mockImplementation(function (this: unknown) {
        draining = true;
        return drain.call(processor);
      });
    const closing = t.close(); // SIGTERM's path: app.close()
    await waitFor(() => draining, 'shutdown to reach the webhook drain');
    expect(t.dataSource.isInitialized).toBe(true); // still open while the event is in flight
    release();
    await closing;
    expect(committed).toContain('checkout.session.completed:processed');
    expect(t.dataSource.isInitialized).toBe(false);
  });
});
