import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createOneTimePrice, createRecurringPrice, idOf, startHarness, type Harness } from './helpers';
import { pinnedStripeKeys, type ResourceKeys } from './pinned-stripe-keys';

/** Stripe's published fixtures for these resources (MIT; provenance in test/fixtures/stripe/README.md). */
const FIXTURES = (
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'stripe', 'fixtures3-subset.json'), 'utf8')) as {
    resources: Record<string, Record<string, unknown>>;
  }
).resources;

/** Each resource the emulator serves: its `object` value, its pinned SDK type, its fixture. */
const RESOURCES = [
  { object: 'customer', type: 'Customer' },
  { object: 'checkout.session', type: 'Checkout.Session' },
  { object: 'subscription', type: 'Subscription' },
  { object: 'subscription_item', type: 'SubscriptionItem' },
  { object: 'invoice', type: 'Invoice' },
  { object: 'payment_intent', type: 'PaymentIntent' },
  { object: 'charge', type: 'Charge' },
  { object: 'refund', type: 'Refund' },
  { object: 'item', type: 'LineItem' },
  { object: 'line_item', type: 'InvoiceLineItem' },
  { object: 'billing.meter', type: 'Billing.Meter' },
  { object: 'billing.meter_event', type: 'Billing.MeterEvent' },
  { object: 'billing.meter_event_summary', type: 'Billing.MeterEventSummary' },
] as const;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface ShapeReport {
  missing: string[];
  invented: string[];
}

/**
 * Missing: a key the pinned type requires that the emulated object lacks. Invented: a key in neither the pinned
 * type nor the fixture. Top level, and one level down for every key that holds an object in both the pinned type
 * and the emulated object (`invoice_settings.footer`).
 */
function compareShape(emulated: Json, pinned: ResourceKeys, fixture: Json): ShapeReport {
  const missing = pinned.required.filter((k) => !(k in emulated));
  const invented = Object.keys(emulated).filter((k) => !pinned.all.includes(k) && !(k in fixture));
  for (const [key, inner] of Object.entries(pinned.nested)) {
    const value = emulated[key];
    if (!isObject(value)) continue;
    const fixtureValue = isObject(fixture[key]) ? fixture[key] : {};
    missing.push(...inner.required.filter((k) => !(k in value)).map((k) => `${key}.${k}`));
    invented.push(
      ...Object.keys(value)
        .filter((k) => !inner.all.includes(k) && !(k in fixtureValue))
        .map((k) => `${key}.${k}`),
    );
  }
  return { missing: missing.sort(), invented: invented.sort() };
}

describe('emulator shapes: every key the pinned stripe SDK requires, none it and the fixture lack', () => {
  let h: Harness;
  let pinned: Record<string, ResourceKeys>;
  const served: Record<string, Json[]> = {};
  const keep = (obj: unknown) => {
    const o = obj as Json;
    (served[o.object as string] ??= []).push(o);
  };

  beforeAll(async () => {
    pinned = pinnedStripeKeys(RESOURCES.map((r) => r.type));
    h = await startHarness();
    const s = h.stripe;
    // A subscription through checkout (invoice, its lines, payment intent, charge), then a pack and its refund.
    const customer = await s.customers.create({ email: 'shape@example.com', name: 'Shape' });
    keep(customer);
    const plan = await createRecurringPrice(s);
    /** A checkout session for one price, as opened, then paid with a card that succeeds. */
    const checkout = async (mode: 'subscription' | 'payment', price: string) => {
      const opened = await s.checkout.sessions.create({
        mode,
        customer: customer.id,
        line_items: [{ price, quantity: 1 }],
        success_url: 'http://app.local/ok',
      });
      keep(opened);
      expect(await h.emulator.completeCheckout(opened.id, { card: '4242424242424242' })).toEqual({
        ok: true,
      });
      return opened;
    };
    const subSession = await checkout('subscription', plan.id);
    const completed = await s.checkout.sessions.retrieve(subSession.id);
    keep(completed);
    const sub = await s.subscriptions.retrieve(idOf(completed.subscription));
    keep(sub);
    for (const item of sub.items.data) keep(item);
    const invoice = await s.invoices.retrieve(idOf(sub.latest_invoice));
    keep(invoice);
    for (const line of invoice.lines.data) keep(line);
    const pack = await createOneTimePrice(s);
    const packSession = await checkout('payment', pack.id);
    for (const item of (await s.checkout.sessions.listLineItems(packSession.id)).data) keep(item);
    const paid = await s.checkout.sessions.retrieve(packSession.id);
    keep(paid);
    const intent = await s.paymentIntents.retrieve(idOf(paid.payment_intent));
    keep(intent);
    keep(await s.charges.retrieve(idOf(intent.latest_charge)));
    keep(await s.refunds.create({ payment_intent: intent.id }));
    // A meter, one of its events and its summaries.
    const meter = await s.billing.meters.create({
      display_name: 'Shapes',
      event_name: 'shape_calls',
      default_aggregation: { formula: 'sum' },
    });
    keep(await s.billing.meters.update(meter.id, { display_name: 'Shape calls' }));
    keep(
      await s.billing.meterEvents.create({
        event_name: 'shape_calls',
        payload: { stripe_customer_id: customer.id, value: '3' },
      }),
    );
    const hour = Math.floor(Date.now() / 1000 / 3600) * 3600;
    const summaries = await s.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: hour - 3600,
      end_time: hour + 3600,
      value_grouping_window: 'hour',
    });
    for (const summary of summaries.data) keep(summary);
    // Objects the emulator sends in events have the same shapes.
    await h.emulator.whenDeliveriesSettled(15_000);
    expect(h.webhooks.received.length).toBeGreaterThan(0);
    for (const r of h.webhooks.received) keep(r.event.data.object);
  }, 120_000);
  afterAll(async () => h?.stop());

  it('lists where the fixture and the pinned SDK differ (the pinned version wins): only invoice.subscription', () => {
    const fixtureOnly = RESOURCES.flatMap(({ object, type }) =>
      Object.keys(FIXTURES[object])
        .filter((k) => !pinned[type].all.includes(k))
        .map((k) => `${object}.${k}`),
    );
    // The pinned API version moved an invoice's subscription to parent.subscription_details.subscription.
    expect(fixtureOnly).toEqual(['invoice.subscription']);
    expect(served.invoice.every((i) => !('subscription' in i))).toBe(true);
    expect(served.invoice.some((i) => isObject(i.parent))).toBe(true);
  });

  it.each(RESOURCES)(
    '$object has 0 missing and 0 invented keys (pinned Stripe.$type, fixture)',
    ({ object, type }) => {
      const objects = served[object] ?? [];
      expect(objects.length).toBeGreaterThan(0);
      const reports = objects.map((o) => compareShape(o, pinned[type], FIXTURES[object]));
      const union = (k: keyof ShapeReport) => [...new Set(reports.flatMap((r) => r[k]))].sort();
      expect({ missing: union('missing'), invented: union('invented') }).toEqual({
        missing: [],
        invented: [],
      });
    },
  );
});
