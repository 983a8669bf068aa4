import type Stripe from 'stripe';
import type { Ctx } from '../ctx';
import { activeMeterFor, meterEventSummaries, recordMeterEvent, type Meter } from '../engine/meters';
import { invalidRequest, missingParam } from '../errors';
import { newId } from '../ids';
import { paginate } from '../list';
import { Params } from '../params';
import { respond, type ApiRequest, type Router } from '../router';
import { realNow } from '../time';
import { listResponse, mutateWithEvent, retrieveResponse } from './helpers';

const FORMULAS = ['sum', 'count', 'last'] as const;

/** Event names are unique among active meters. */
function assertEventNameFree(ctx: Ctx, eventName: string, param?: string): void {
  if (activeMeterFor(ctx, eventName))
    throw invalidRequest(`An active meter with event_name \`${eventName}\` already exists.`, param);
}

const requireMeter = (req: ApiRequest): Meter =>
  req.ctx.store.require<Meter>(req.pathParams.id, 'billing.meter', 'billing.meter');

/** `deactivate` / `reactivate`: a status change with its event (a meter already in that status is left as is). */
function setStatus(req: ApiRequest, active: boolean): unknown {
  const p = new Params(req.body, ['expand']);
  const meter = requireMeter(req);
  if ((meter.status === 'active') !== active) {
    if (active) assertEventNameFree(req.ctx, meter.event_name ?? '');
    const now = realNow();
    meter.status = active ? 'active' : 'inactive';
    meter.status_transitions = { deactivated_at: active ? null : now };
    meter.updated = now;
    req.ctx.events.emit(active ? 'billing.meter.reactivated' : 'billing.meter.deactivated', meter);
  }
  return respond(req.ctx, meter, p);
}

export function registerMeters(router: Router): void {
  router.add('POST', '/v1/billing/meters', (req) => {
    const p = new Params(req.body, [
      'default_aggregation',
      'display_name',
      'event_name',
      'customer_mapping',
      'event_time_window',
      'value_settings',
      'expand',
    ]);
    const { ctx } = req;
    const displayName = p.reqStr('display_name');
    const eventName = p.reqStr('event_name');
    const aggregation = p.obj('default_aggregation', ['formula']);
    const formula = aggregation?.oneOf('formula', FORMULAS);
    if (!formula) throw missingParam('default_aggregation[formula]');
    const mapping = p.obj('customer_mapping', ['event_payload_key', 'type']);
    if (mapping) mapping.oneOf('type', ['by_id']);
    const values = p.obj('value_settings', ['event_payload_key']);
    assertEventNameFree(ctx, eventName, 'event_name');
    const now = realNow();
    const meter: Meter = {
      id: newId('mtr_test'),
      object: 'billing.meter',
      created: now,
      customer_mapping: {
        event_payload_key: mapping ? mapping.reqStr('event_payload_key') : 'stripe_customer_id',
        type: 'by_id',
      },
      default_aggregation: { formula },
      display_name: displayName,
      event_name: eventName,
      event_time_window: p.oneOf('event_time_window', ['day', 'hour']) ?? null,
      livemode: false,
      status: 'active',
      status_transitions: { deactivated_at: null },
      updated: now,
      value_settings: { event_payload_key: values ? values.reqStr('event_payload_key') : 'value' },
    };
    ctx.store.insert(meter);
    ctx.events.emit('billing.meter.created', meter);
    return respond(ctx, meter, p);
  });

  router.add('GET', '/v1/billing/meters', (req) =>
    listResponse<Meter>(req, 'billing.meter', ['status'], (o, p) => {
      const status = p.oneOf('status', ['active', 'inactive']);
      return !status || o.status === status;
    }),
  );

  router.add('GET', '/v1/billing/meters/:id', (req) =>
    retrieveResponse(req, 'billing.meter', 'billing.meter'),
  );

  router.add('POST', '/v1/billing/meters/:id', (req) => {
    const p = new Params(req.body, ['display_name', 'expand']);
    const meter = requireMeter(req);
    mutateWithEvent(req.ctx, 'billing.meter.updated', meter, () => {
      const name = p.str('display_name');
      if (name === undefined || name === meter.display_name) return;
      meter.display_name = name;
      meter.updated = realNow();
    });
    return respond(req.ctx, meter, p);
  });

  router.add('POST', '/v1/billing/meters/:id/deactivate', (req) => setStatus(req, false));
  router.add('POST', '/v1/billing/meters/:id/reactivate', (req) => setStatus(req, true));

  router.add('GET', '/v1/billing/meters/:id/event_summaries', (req) => {
    const p = new Params(req.body, [
      'customer',
      'start_time',
      'end_time',
      'value_grouping_window',
      'limit',
      'starting_after',
      'ending_before',
      'expand',
    ]);
    const meter = requireMeter(req);
    const customer = p.reqStr('customer');
    req.ctx.store.require(customer, 'customer', 'customer', 'customer');
    const summaries = meterEventSummaries(
      req.ctx,
      meter,
      customer,
      p.reqInt('start_time'),
      p.reqInt('end_time'),
      p.oneOf('value_grouping_window', ['day', 'hour']),
    );
    return respond(req.ctx, paginate(summaries, p, req.path), p);
  });

  router.add('POST', '/v1/billing/meter_events', (req) => {
    const p = new Params(req.body, ['event_name', 'payload', 'identifier', 'timestamp', 'expand']);
    const payload = p.map('payload');
    if (!payload || Object.keys(payload).length === 0) throw missingParam('payload');
    const event: Stripe.Billing.MeterEvent = recordMeterEvent(req.ctx, {
      eventName: p.reqStr('event_name'),
      payload,
      identifier: p.str('identifier') || undefined,
      timestamp: p.int('timestamp'),
    });
    return respond(req.ctx, event, p);
  });
}
