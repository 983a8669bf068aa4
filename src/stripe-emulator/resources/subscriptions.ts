import type { Customer } from '../engine/customers';
import type { Subscription } from '../engine/invoicing';
import type { Price } from '../engine/pricing';
import {
  applyCancelAtPeriodEnd,
  applyProrations,
  cancelSubscription,
  changeItem,
  createSubscription,
  itemQuantity,
  items,
  addItem,
  removeItem,
  updateWith,
  type ProrationBehavior,
  type SubscriptionItem,
} from '../engine/subscriptions';
import { isMetered } from '../engine/pricing';
import type { Ctx } from '../ctx';
import { invalidRequest, missingParam, noSuchObject } from '../errors';
import { assertTaxActive, locationInvalid, taxLocation } from '../engine/tax';
import { matchesRange } from '../list';
import { mergeMetadata, Params } from '../params';
import { respond, type Router } from '../router';
import { nowForCustomer } from '../time';
import { idOf, listResponse, retrieveResponse } from './helpers';

const BEHAVIORS = ['create_prorations', 'always_invoice', 'none'] as const;

/** A subscription item (of a subscription that is not canceled) and its subscription, or Stripe's 404. */
function findItem(ctx: Ctx, id: string): { sub: Subscription; item: SubscriptionItem } {
  for (const sub of ctx.store.all<Subscription>('subscription', (s) => s.status !== 'canceled')) {
    const item = items(sub).find((it) => it.id === id);
    if (item) return { sub, item };
  }
  throw noSuchObject('subscription_item', id);
}

export function registerSubscriptions(router: Router): void {
  router.add('POST', '/v1/subscriptions', (req) => {
    const p = new Params(req.body, [
      'customer',
      'items',
      'trial_period_days',
      'metadata',
      'default_payment_method',
      'expand',
      'payment_behavior',
      'currency',
      'automatic_tax',
    ]);
    const { ctx } = req;
    const customer = ctx.store.require<Customer>(p.reqStr('customer'), 'customer', 'customer', 'customer');
    const lines = (p.list('items', ['price', 'quantity']) ?? []).map((it, i) => {
      const price = ctx.store.require<Price>(it.reqStr('price'), 'price', 'price', `items[${i}][price]`);
      return { price, quantity: itemQuantity(price, it.int('quantity'), `items[${i}]`) };
    });
    if (lines.length === 0) throw missingParam('items');
    const automaticTax = p.obj('automatic_tax', ['enabled', 'liability'])?.bool('enabled') ?? false;
    if (automaticTax) {
      assertTaxActive(ctx.store, 'automatic_tax[enabled]');
      if (!taxLocation(customer.address)) throw locationInvalid('automatic_tax[enabled]');
    }
    const pm = p.str('default_payment_method') ?? idOf(customer.invoice_settings?.default_payment_method);
    const { sub } = createSubscription(ctx, {
      customer: customer.id,
      lines,
      currency: p.str('currency') ?? lines[0].price.currency ?? 'usd',
      trialDays: p.int('trial_period_days'),
      metadata: p.map('metadata') ?? {},
      paymentMethod: pm || null,
      now: nowForCustomer(ctx.store, customer.id),
      automaticTax,
    });
    return respond(ctx, sub, p);
  });

  router.add('GET', '/v1/subscriptions', (req) =>
    listResponse<Subscription>(
      req,
      'subscription',
      ['customer', 'status', 'price', 'test_clock', 'created'],
      (o, p) => {
        const customer = p.str('customer');
        const status = p.str('status');
        const price = p.str('price');
        const clock = p.str('test_clock');
        const statusOk = status === 'all' || (status ? o.status === status : o.status !== 'canceled');
        return (
          statusOk &&
          (!customer || o.customer === customer) &&
          (!price || items(o).some((it) => it.price?.id === price)) &&
          (!clock || o.test_clock === clock) &&
          matchesRange(o.created ?? 0, p, 'created')
        );
      },
    ),
  );

  router.add('GET', '/v1/subscriptions/:id', (req) => retrieveResponse(req, 'subscription', 'subscription'));

  router.add('POST', '/v1/subscriptions/:id', (req) => {
    const p = new Params(req.body, [
      'cancel_at_period_end',
      'items',
      'proration_behavior',
      'proration_date',
      'metadata',
      'default_payment_method',
      'description',
      'expand',
      'payment_behavior',
      'cancellation_details',
      'automatic_tax',
    ]);
    const { ctx } = req;
    const sub = ctx.store.require<Subscription>(req.pathParams.id, 'subscription', 'subscription');
    if (sub.status === 'canceled') {
      throw invalidRequest('A canceled subscription can only update its cancellation_details and metadata.');
    }
    const now = p.int('proration_date') ?? nowForCustomer(ctx.store, idOf(sub.customer));
    const behavior: ProrationBehavior = p.oneOf('proration_behavior', BEHAVIORS) ?? 'create_prorations';
    const itemParams = p.list('items', ['id', 'price', 'quantity', 'deleted']) ?? [];
    const automaticTax = p.obj('automatic_tax', ['enabled', 'liability'])?.bool('enabled');
    if (automaticTax) {
      assertTaxActive(ctx.store, 'automatic_tax[enabled]');
      const customer = ctx.store.get<Customer>(idOf(sub.customer));
      if (!taxLocation(customer?.address)) throw locationInvalid('automatic_tax[enabled]');
    }
    const prorations = updateWith(ctx, sub, now, () => {
      const cancel = p.bool('cancel_at_period_end');
      if (cancel !== undefined) applyCancelAtPeriodEnd(sub, cancel, now);
      if (p.has('metadata')) sub.metadata = mergeMetadata(sub.metadata, p.map('metadata'));
      if (p.has('description')) sub.description = p.str('description') || null;
      if (automaticTax !== undefined)
        sub.automatic_tax = { disabled_reason: null, enabled: automaticTax, liability: null };
      const pm = p.str('default_payment_method');
      if (pm !== undefined) sub.default_payment_method = pm || null;
      return itemParams.flatMap((ip, i) => {
        // No id: a new item (Stripe's rule), its price given.
        if (ip.str('id') === undefined) {
          const added = ctx.store.require<Price>(ip.reqStr('price'), 'price', 'price', `items[${i}][price]`);
          if (ip.int('quantity') !== undefined) itemQuantity(added, ip.int('quantity'), `items[${i}]`);
          return addItem(ctx, sub, added, now, `items[${i}][price]`);
        }
        const itemId = ip.str('id');
        const item = items(sub).find((it) => it.id === itemId);
        if (!item) throw invalidRequest(`Invalid subscription item: ${itemId}`, `items[${i}][id]`);
        if (ip.bool('deleted')) return removeItem(ctx, sub, item, behavior, now);
        const priceId = ip.str('price');
        const price = priceId
          ? ctx.store.require<Price>(priceId, 'price', 'price', `items[${i}][price]`)
          : (item.price as Price);
        const quantity = itemQuantity(
          price,
          ip.int('quantity') ?? (isMetered(price) ? undefined : item.quantity),
          `items[${i}]`,
        );
        return changeItem(ctx, sub, item, price, quantity ?? 0, behavior, now);
      });
    });
    applyProrations(ctx, sub, prorations, behavior, now);
    return respond(ctx, sub, p);
  });

  router.add('GET', '/v1/subscription_items/:id', (req) => {
    const p = new Params(req.body, ['expand']);
    return respond(req.ctx, findItem(req.ctx, req.pathParams.id).item, p);
  });

  router.add('DELETE', '/v1/subscription_items/:id', (req) => {
    const p = new Params(req.body, ['clear_usage', 'proration_behavior', 'proration_date']);
    const { ctx } = req;
    const { sub, item } = findItem(ctx, req.pathParams.id);
    const now = p.int('proration_date') ?? nowForCustomer(ctx.store, idOf(sub.customer));
    const behavior: ProrationBehavior = p.oneOf('proration_behavior', BEHAVIORS) ?? 'create_prorations';
    const prorations = updateWith(ctx, sub, now, () => removeItem(ctx, sub, item, behavior, now));
    applyProrations(ctx, sub, prorations, behavior, now);
    return { id: item.id, object: 'subscription_item', deleted: true };
  });

  router.add('DELETE', '/v1/subscriptions/:id', (req) => {
    const p = new Params(req.body, ['invoice_now', 'prorate', 'cancellation_details', 'expand']);
    const sub = req.ctx.store.require<Subscription>(req.pathParams.id, 'subscription', 'subscription');
    if (sub.status === 'canceled') {
      throw invalidRequest(
        `No such subscription: '${sub.id}'. This subscription has already been canceled.`,
        'id',
        'resource_missing',
      );
    }
    cancelSubscription(
      req.ctx,
      sub,
      nowForCustomer(req.ctx.store, idOf(sub.customer)),
      'cancellation_requested',
    );
    return respond(req.ctx, sub, p);
  });
}
