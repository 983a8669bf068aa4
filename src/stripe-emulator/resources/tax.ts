import type Stripe from 'stripe';
import type { Customer } from '../engine/customers';
import { createTaxId, customerTaxIds, type TaxId } from '../engine/tax-ids';
import { customerTax, locationInvalid, setHeadOffice, taxLocation, taxSettings } from '../engine/tax';
import { registerIncludable } from '../expand';
import { embeddedList, paginate } from '../list';
import { LIST_PARAMS, Params } from '../params';
import { respond, type Router } from '../router';
import { nowForCustomer } from '../time';
import type { Obj, StoredObject } from '../types';
import { listResponse, retrieveResponse } from './helpers';

registerIncludable('customer', 'tax', (obj) => customerTax(obj));
registerIncludable('customer', 'tax_ids', (obj, store) =>
  embeddedList(
    store.all<TaxId>('tax_id', (t) => t.customer === obj.id),
    `/v1/customers/${String(obj.id)}/tax_ids`,
  ),
);

// Checkout line items' `taxes` are includable (`expand[]=line_items.data.taxes`); absent when tax is off.
registerIncludable('item', 'taxes', (obj) => obj.taxes ?? []);

const ADDRESS_FIELDS = ['line1', 'line2', 'city', 'state', 'postal_code', 'country'] as const;

/** `address[...]` of a create/update: undefined when absent, null when emptied (`address=''`). */
export function readAddress(p: Params, key = 'address'): Stripe.Address | null | undefined {
  if (!p.has(key)) return undefined;
  if (p.raw[key] === '') return null;
  const a = p.obj(key, ADDRESS_FIELDS)!;
  const out = {} as Stripe.Address;
  for (const f of ADDRESS_FIELDS) out[f] = a.str(f) || null;
  if (out.country) out.country = out.country.toUpperCase();
  return out;
}

/**
 * Customer create/update: `address`, `tax[validate_location]` (`immediately` refuses an address Stripe Tax
 * cannot locate with customer_tax_location_invalid) and, on create, `tax_id_data[]`.
 */
export function applyCustomerTaxParams(customer: Customer, p: Params): void {
  const address = readAddress(p);
  const tax = p.obj('tax', ['validate_location', 'ip_address']);
  const validate = tax?.oneOf('validate_location', ['auto', 'deferred', 'immediately']);
  const next = address === undefined ? customer.address : address;
  if (validate === 'immediately' && !taxLocation(next)) throw locationInvalid('address');
  if (address !== undefined) customer.address = address;
}

export function registerTax(router: Router): void {
  router.add('GET', '/v1/tax/settings', (req) => {
    const p = new Params(req.body, ['expand']);
    return respond(req.ctx, taxSettings(req.ctx.store), p);
  });

  router.add('POST', '/v1/tax/settings', (req) => {
    const p = new Params(req.body, ['defaults', 'head_office', 'expand']);
    const settings = taxSettings(req.ctx.store);
    const defaults = p.obj('defaults', ['tax_behavior', 'tax_code']);
    const behavior = defaults?.oneOf('tax_behavior', ['exclusive', 'inclusive', 'inferred_by_currency']);
    if (behavior) settings.defaults.tax_behavior = behavior;
    const code = defaults?.str('tax_code');
    if (code) settings.defaults.tax_code = code;
    const office = p.obj('head_office', ['address']);
    const address = office ? readAddress(office) : undefined;
    if (address) setHeadOffice(req.ctx.store, address);
    return respond(req.ctx, settings, p);
  });

  router.add('GET', '/v1/tax_rates', (req) =>
    listResponse<Obj<Stripe.TaxRate> & StoredObject>(req, 'tax_rate', ['active'], (o, p) => {
      const active = p.bool('active');
      return active === undefined || o.active === active;
    }),
  );
  router.add('GET', '/v1/tax_rates/:id', (req) => retrieveResponse(req, 'tax_rate', 'tax_rate'));

  router.add('POST', '/v1/customers/:id/tax_ids', (req) => {
    const p = new Params(req.body, ['type', 'value', 'expand']);
    const customer = req.ctx.store.require<Customer>(req.pathParams.id, 'customer', 'customer');
    const taxId = createTaxId(
      req.ctx,
      customer.id,
      p.reqStr('type'),
      p.reqStr('value'),
      nowForCustomer(req.ctx.store, customer.id),
    );
    return respond(req.ctx, taxId, p);
  });

  router.add('GET', '/v1/customers/:id/tax_ids', (req) => {
    const p = new Params(req.body, [...LIST_PARAMS]);
    req.ctx.store.require<Customer>(req.pathParams.id, 'customer', 'customer');
    return respond(req.ctx, paginate(customerTaxIds(req.ctx, req.pathParams.id), p, req.path), p);
  });

  const ownTaxId = (req: {
    ctx: Parameters<typeof customerTaxIds>[0];
    pathParams: Record<string, string>;
  }) => {
    req.ctx.store.require<Customer>(req.pathParams.id, 'customer', 'customer');
    const taxId = req.ctx.store.require<TaxId>(req.pathParams.tid, 'tax_id', 'tax_id');
    if (taxId.customer !== req.pathParams.id) req.ctx.store.require('', 'tax_id', 'tax_id');
    return taxId;
  };

  router.add('GET', '/v1/customers/:id/tax_ids/:tid', (req) =>
    respond(req.ctx, ownTaxId(req), new Params(req.body, ['expand'])),
  );

  router.add('DELETE', '/v1/customers/:id/tax_ids/:tid', (req) => {
    const taxId = ownTaxId(req);
    req.ctx.store.remove(taxId.id);
    req.ctx.events.emit('customer.tax_id.deleted', taxId);
    return { id: taxId.id, object: 'tax_id', deleted: true };
  });
}
