import { Injectable } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule, OnEvent } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import { OnStripeEvent } from './on-stripe-event.decorator';
import { stripeEventName } from './stripe-event-context';

@Injectable()
class ThrowingHandler {
  readonly seen: string[] = [];

  @OnStripeEvent('invoice.paid', 'invoice.payment_failed')
  async handle(type: string): Promise<void> {
    this.seen.push(type);
    await Promise.resolve();
    throw new Error(`handler failed on ${type}`);
  }
}

/** What @OnStripeEvent exists to prevent: @OnEvent's defaults log a listener's error and resolve. */
@Injectable()
class BareHandler {
  @OnEvent(stripeEventName('charge.refunded'), { async: true, promisify: true })
  async handle(): Promise<void> {
    await Promise.resolve();
    throw new Error('swallowed');
  }
}

describe('@OnStripeEvent', () => {
  async function emitterWith(...providers: Array<new () => object>) {
    const moduleRef = await Test.createTestingModule({
      imports: [EventEmitterModule.forRoot({ wildcard: false, ignoreErrors: false })],
      providers,
    })
      .setLogger({ log: () => {}, error: () => {}, warn: () => {} })
      .compile();
    await moduleRef.init();
    return { moduleRef, emitter: moduleRef.get(EventEmitter2) };
  }

  it('subscribes to every type it names, and the handler’s error rejects emitAsync', async () => {
    const { moduleRef, emitter } = await emitterWith(ThrowingHandler);
    const handler = moduleRef.get(ThrowingHandler);
    await expect(emitter.emitAsync(stripeEventName('invoice.paid'), 'invoice.paid')).rejects.toThrow(
      'handler failed on invoice.paid',
    );
    await expect(
      emitter.emitAsync(stripeEventName('invoice.payment_failed'), 'invoice.payment_failed'),
    ).rejects.toThrow('handler failed on invoice.payment_failed');
    expect(handler.seen).toEqual(['invoice.paid', 'invoice.payment_failed']);
    await moduleRef.close();
  });

  it('differs from a bare @OnEvent, whose error is swallowed (the event would look processed)', async () => {
    const { moduleRef, emitter } = await emitterWith(BareHandler);
    await expect(emitter.emitAsync(stripeEventName('charge.refunded'))).resolves.toEqual([undefined]);
    await moduleRef.close();
  });
});
