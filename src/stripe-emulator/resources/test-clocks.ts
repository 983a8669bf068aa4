import { advanceClock, type TestClock } from '../engine/clock';
import type { Customer } from '../engine/customers';
import { invalidRequest } from '../errors';
import { newId } from '../ids';
import { Params } from '../params';
import { respond, type Router } from '../router';
import { DAY, realNow } from '../time';
import { listResponse, retrieveResponse } from './helpers';

export function registerTestClocks(router: Router): void {
  router.add('POST', '/v1/test_helpers/test_clocks', (req) => {
    const p = new Params(req.body, ['frozen_time', 'name', 'expand']);
    const now = realNow();
    const clock: TestClock = {
      id: newId('clock'),
      object: 'test_helpers.test_clock',
      created: now,
      deletes_after: now + 30 * DAY,
      frozen_time: p.reqInt('frozen_time'),
      livemode: false,
      name: p.str('name') ?? null,
      status: 'ready',
      status_details: {},
    };
    req.ctx.store.insert(clock);
    req.ctx.events.emit('test_helpers.test_clock.created', clock);
    return respond(req.ctx, clock, p);
  });
  router.add('GET', '/v1/test_helpers/test_clocks', (req) =>
    listResponse<TestClock>(req, 'test_helpers.test_clock', [], () => true),
  );
  router.add('GET', '/v1/test_helpers/test_clocks/:id', (req) =>
    retrieveResponse(req, 'test_helpers.test_clock', 'test_helpers.test_clock'),
  );
  router.add('POST', '/v1/test_helpers/test_clocks/:id/advance', (req) => {
    const p = new Params(req.body, ['frozen_time', 'expand']);
    const clock = req.ctx.store.require<TestClock>(
      req.pathParams.id,
      'test_helpers.test_clock',
      'test_helpers.test_clock',
    );
    const target = p.reqInt('frozen_time');
    if (target <= (clock.frozen_time ?? 0)) {
      throw invalidRequest(
        'The test clock can only be advanced to a time after its current frozen_time.',
        'frozen_time',
      );
    }
    advanceClock(req.ctx, clock, target);
    return respond(req.ctx, clock, p);
  });
  router.add('DELETE', '/v1/test_helpers/test_clocks/:id', (req) => {
    const clock = req.ctx.store.require<TestClock>(
      req.pathParams.id,
      'test_helpers.test_clock',
      'test_helpers.test_clock',
    );
    // Deleting a clock deletes its customers (and their subscriptions) like Stripe does.
    req.ctx.store.remove(clock.id);
    for (const c of req.ctx.store.all<Customer>('customer', (x) => x.test_clock === clock.id))
      req.ctx.store.remove(c.id);
    return { id: clock.id, object: 'test_helpers.test_clock', deleted: true };
  });
}
