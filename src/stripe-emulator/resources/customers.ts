import type Stripe from 'stripe';
import { createCustomer, type Customer } from '../engine/customers';
import { matchesRange } from '../list';
import { mergeMetadata, Params } from '../params';
import { respond, type Router } from '../router';
import { realNow } from '../time';
import { createTaxId, validateTaxId } from '../engine/tax-ids';
import { listResponse, mutateWithEvent, retrieveResponse } from './helpers';
import { applyCustomerTaxParams } from './tax';

const FIELDS = [
  'email',
  'name',
  'description',
  'phone',
  'metadata',
  'expand',
  'preferred_locales',
  'address',
  'tax',
] as const;

export function registerCustomers(router: Router): void {
  router.add('POST', '/v1/customers', (req) => {
    const p = new Params(req.body, [...FIELDS, 'test_clock', 'tax_id_data']);
    const taxIds = (p.list('tax_id_data', ['type', 'value']) ?? []).map((t) => ({
      type: t.reqStr('type'),
      value: t.reqStr('value'),
    }));
    const clockId = p.str('test_clock');
    const clock = clockId
      ? req.ctx.store.require<Stripe.TestHelpers.TestClock>(
          clockId,
          'test_helpers.test_clock',
          'test_clock',
          'test_clock',
        )
      : undefined;
    const customer = createCustomer(
      req.ctx,
      {
        email: p.str('email'),
        name: p.str('name'),
        description: p.str('description'),
        phone: p.str('phone'),
        metadata: p.map('metadata'),
        test_clock: clock?.id,
      },
      clock?.frozen_time ?? realNow(),
      (c) => {
        applyCustomerTaxParams(c, p);
        taxIds.forEach((t, i) => validateTaxId(t.type, t.value, `tax_id_data[${i}]`));
      },
    );
    for (const t of taxIds) createTaxId(req.ctx, customer.id, t.type, t.value, customer.created ?? realNow());
    return respond(req.ctx, customer, p);
  });

  router.add('GET', '/v1/customers', (req) =>
    listResponse<Customer>(req, 'customer', ['email', 'created', 'test_clock'], (c, p) => {
      const email = p.str('email');
      const clock = p.str('test_clock');
      return (
        (!email || c.email === email) &&
        (!clock || c.test_clock === clock) &&
        matchesRange(c.created ?? 0, p, 'created')
      );
    }),
  );

  router.add('GET', '/v1/customers/:id', (req) => retrieveResponse(req, 'customer', 'customer'));

  router.add('POST', '/v1/customers/:id', (req) => {
    const p = new Params(req.body, [...FIELDS, 'invoice_settings']);
    const customer = req.ctx.store.require<Customer>(req.pathParams.id, 'customer', 'customer');
    const settings = p.obj('invoice_settings', ['default_payment_method']);
    mutateWithEvent(req.ctx, 'customer.updated', customer, () => {
      applyCustomerTaxParams(customer, p);
      for (const key of ['email', 'name', 'description', 'phone'] as const) {
        const v = p.str(key);
        if (v !== undefined) customer[key] = v === '' ? null : v;
      }
      if (p.has('metadata')) customer.metadata = mergeMetadata(customer.metadata, p.map('metadata'));
      const pm = settings?.str('default_payment_method');
      if (pm !== undefined)
        customer.invoice_settings = { ...customer.invoice_settings!, default_payment_method: pm || null };
    });
    return respond(req.ctx, customer, p);
  });

  router.add('DELETE', '/v1/customers/:id', (req) => {
    const customer = req.ctx.store.require<Customer>(req.pathParams.id, 'customer', 'customer');
    customer.deleted = true as unknown as undefined;
    req.ctx.events.emit('customer.deleted', customer);
    return { id: customer.id, object: 'customer', deleted: true };
  });
}
