import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import type { Ctx } from '../ctx';
import { ApiError, invalidRequest } from '../errors';
import { randomToken } from '../ids';
import type { MeterEventRecord } from '../store';
import { DAY, nowForCustomer, realNow } from '../time';
import type { Obj } from '../types';

export type Meter = Obj<Stripe.Billing.Meter>;

/** How far back / ahead of the customer's clock a meter event's timestamp may be (Stripe: 35 days, 5 minutes). */
export const METER_EVENT_PAST = 35 * DAY;
export const METER_EVENT_FUTURE = 5 * 60;

const WINDOW_SECONDS: Record<string, number> = { hour: 3600, day: DAY };

/**
 * A meter event error, answered synchronously with the code Stripe uses for it in meter error reports
 * (`v1.billing.meter.error_report_triggered`).
 */
const meterEventError = (code: string, message: string, param?: string): ApiError =>
  invalidRequest(message, param, code);

/** The active meter for an event name (event names are unique among active meters). */
export function activeMeterFor(ctx: Ctx, eventName: string): Meter | undefined {
  return ctx.store.all<Meter>('billing.meter', (m) => m.event_name === eventName && m.status === 'active')[0];
}

/** The identifiers of the recorded events, indexed once per events array (a reloaded store brings a new one). */
const identifierIndex = new WeakMap<MeterEventRecord[], Set<string>>();
function identifiersOf(events: MeterEventRecord[]): Set<string> {
  let index = identifierIndex.get(events);
  if (!index || index.size !== events.length) {
    index = new Set(events.map((e) => e.identifier));
    identifierIndex.set(events, index);
  }
  return index;
}

/**
 * `POST /v1/billing/meter_events`: validated against the meter of its event name, the customer and the
 * customer's clock, deduplicated by identifier (a repeat is refused like Stripe refuses it and never counted).
 */
export function recordMeterEvent(
  ctx: Ctx,
  input: { eventName: string; payload: Record<string, string>; identifier?: string; timestamp?: number },
): Stripe.Billing.MeterEvent {
  const { eventName, payload } = input;
  const meter = activeMeterFor(ctx, eventName);
  if (!meter) {
    const inactive = ctx.store.all<Meter>('billing.meter', (m) => m.event_name === eventName)[0];
    if (inactive)
      throw meterEventError(
        'archived_meter',
        `The meter for event_name \`${eventName}\` is inactive.`,
        'event_name',
      );
    throw meterEventError(
      'no_meter',
      `No active meter was found for event_name \`${eventName}\`.`,
      'event_name',
    );
  }
  const customerKey = meter.customer_mapping?.event_payload_key ?? 'stripe_customer_id';
  const customerId = payload[customerKey];
  if (!customerId)
    throw meterEventError(
      'meter_event_no_customer_defined',
      `Customer mapping key ${customerKey} not found in payload.`,
      `payload[${customerKey}]`,
    );
  const customer = ctx.store.get<Obj<Stripe.Customer>>(customerId);
  if (!customer || customer.object !== 'customer')
    throw meterEventError(
      'meter_event_customer_not_found',
      `No such customer: '${customerId}'`,
      `payload[${customerKey}]`,
    );
  const valueKey = meter.value_settings?.event_payload_key ?? 'value';
  const raw = payload[valueKey];
  const counting = meter.default_aggregation?.formula === 'count';
  if (raw === undefined && !counting)
    throw meterEventError(
      'meter_event_invalid_value',
      `Value key ${valueKey} not found in payload.`,
      `payload[${valueKey}]`,
    );
  if (raw !== undefined && !/^-?\d+$/.test(raw))
    throw meterEventError(
      'meter_event_invalid_value',
      `The value \`${raw}\` of \`${valueKey}\` is not a whole number.`,
      `payload[${valueKey}]`,
    );
  const now = nowForCustomer(ctx.store, customer.id);
  const timestamp = input.timestamp ?? now;
  if (timestamp < now - METER_EVENT_PAST)
    throw meterEventError(
      'timestamp_too_far_in_past',
      'The timestamp must be within the past 35 calendar days.',
      'timestamp',
    );
  if (timestamp > now + METER_EVENT_FUTURE)
    throw meterEventError(
      'timestamp_in_future',
      'The timestamp must not be more than 5 minutes in the future.',
      'timestamp',
    );
  const events = ctx.store.internal.meterEvents;
  const identifier = input.identifier ?? `emu_${randomToken(24)}`;
  const seen = identifiersOf(events);
  if (seen.has(identifier)) throw invalidRequest(`An event already exists with identifier ${identifier}.`);
  seen.add(identifier);
  events.push({
    identifier,
    event_name: eventName,
    meter: meter.id,
    customer: customer.id,
    value: raw === undefined ? 1 : Number(raw),
    timestamp,
    seq: events.length,
  });
  return {
    object: 'billing.meter_event',
    created: realNow(),
    event_name: eventName,
    identifier,
    livemode: false,
    payload: { ...payload },
    timestamp,
  };
}

/**
 * A meter's aggregated value for a customer over [start, end): `sum` of values, `count` of events, or the
 * `last` value (the latest timestamp, the latest received on a tie). With an `event_time_window` (pre-aggregated
 * ingestion) only the latest received event of each hour/day window counts.
 */
export function aggregateUsage(ctx: Ctx, meter: Meter, customer: string, start: number, end: number): number {
  let events = ctx.store.internal.meterEvents.filter(
    (e) => e.meter === meter.id && e.customer === customer && e.timestamp >= start && e.timestamp < end,
  );
  const window = WINDOW_SECONDS[meter.event_time_window ?? ''];
  if (window) {
    const latest = new Map<number, MeterEventRecord>();
    for (const e of events) {
      const key = Math.floor(e.timestamp / window);
      if ((latest.get(key)?.seq ?? -1) < e.seq) latest.set(key, e);
    }
    events = [...latest.values()];
  }
  switch (meter.default_aggregation?.formula) {
    case 'count':
      return events.length;
    case 'last': {
      const last = events.reduce<MeterEventRecord | undefined>(
        (best, e) =>
          !best || e.timestamp > best.timestamp || (e.timestamp === best.timestamp && e.seq > best.seq)
            ? e
            : best,
        undefined,
      );
      return last?.value ?? 0;
    }
    default:
      return events.reduce((s, e) => s + e.value, 0);
  }
}

/**
 * `GET /v1/billing/meters/:id/event_summaries`: one summary for [start, end), or one per hour/day window
 * (`value_grouping_window`), newest first. Ids are stable for a meter, customer and window (pagination works).
 */
export function meterEventSummaries(
  ctx: Ctx,
  meter: Meter,
  customer: string,
  start: number,
  end: number,
  grouping: string | undefined,
): Array<Obj<Stripe.Billing.MeterEventSummary> & { id: string }> {
  const align = grouping ? WINDOW_SECONDS[grouping] : 60;
  for (const [param, t] of [
    ['start_time', start],
    ['end_time', end],
  ] as const) {
    if (t % align !== 0)
      throw invalidRequest(
        grouping
          ? `\`${param}\` must be aligned with ${grouping} boundaries (UTC) when value_grouping_window is \`${grouping}\`.`
          : `\`${param}\` must be aligned with minute boundaries.`,
        param,
      );
  }
  if (end <= start) throw invalidRequest('`end_time` must be after `start_time`.', 'end_time');
  const step = grouping ? align : end - start;
  const out: Array<Obj<Stripe.Billing.MeterEventSummary> & { id: string }> = [];
  for (let s = start; s < end; s += step) {
    const e = Math.min(end, s + step);
    const hash = createHash('sha1').update(`${meter.id}:${customer}:${s}:${e}`).digest('hex').slice(0, 24);
    out.push({
      id: `mtrusg_${hash}`,
      object: 'billing.meter_event_summary',
      aggregated_value: aggregateUsage(ctx, meter, customer, s, e),
      end_time: e,
      livemode: false,
      meter: meter.id,
      start_time: s,
    });
  }
  return out.reverse();
}
