import type Stripe from 'stripe';
import { invalidRequest } from '../errors';
import { newId } from '../ids';
import { matchesRange } from '../list';
import { mergeMetadata, Params } from '../params';
import { respond, type Router } from '../router';
import { realNow } from '../time';
import type { Obj } from '../types';
import { listResponse, mutateWithEvent, retrieveResponse } from './helpers';

export type Product = Obj<Stripe.Product>;

const FIELDS = [
  'name',
  'active',
  'description',
  'metadata',
  'images',
  'url',
  'unit_label',
  'statement_descriptor',
  'tax_code',
  'expand',
];

export function registerProducts(router: Router): void {
  router.add('POST', '/v1/products', (req) => {
    const p = new Params(req.body, [...FIELDS, 'id']);
    const id = p.str('id') ?? newId('prod');
    if (req.ctx.store.get(id))
      throw invalidRequest(`Product already exists.`, 'id', 'resource_already_exists');
    const now = realNow();
    const product: Product = {
      id,
      object: 'product',
      active: p.bool('active') ?? true,
      created: now,
      default_price: null,
      description: p.str('description') ?? null,
      images: p.strList('images') ?? [],
      livemode: false,
      marketing_features: [],
      metadata: p.map('metadata') ?? {},
      name: p.reqStr('name'),
      package_dimensions: null,
      shippable: null,
      statement_descriptor: p.str('statement_descriptor') ?? null,
      tax_code: p.str('tax_code') ?? null,
      type: 'service',
      unit_label: p.str('unit_label') ?? null,
      updated: now,
      url: p.str('url') ?? null,
    };
    req.ctx.store.insert(product);
    req.ctx.events.emit('product.created', product);
    return respond(req.ctx, product, p);
  });

  router.add('GET', '/v1/products', (req) =>
    listResponse<Product>(req, 'product', ['active', 'ids', 'created'], (o, p) => {
      const active = p.bool('active');
      const ids = p.strList('ids');
      return (
        (active === undefined || o.active === active) &&
        (!ids || ids.includes(o.id)) &&
        matchesRange(o.created ?? 0, p, 'created')
      );
    }),
  );

  router.add('GET', '/v1/products/:id', (req) => retrieveResponse(req, 'product', 'product'));

  router.add('POST', '/v1/products/:id', (req) => {
    const p = new Params(req.body, [...FIELDS, 'default_price']);
    const product = req.ctx.store.require<Product>(req.pathParams.id, 'product', 'product');
    mutateWithEvent(req.ctx, 'product.updated', product, () => {
      const name = p.str('name');
      if (name) product.name = name;
      const active = p.bool('active');
      if (active !== undefined) product.active = active;
      for (const key of [
        'description',
        'url',
        'unit_label',
        'statement_descriptor',
        'default_price',
      ] as const) {
        const v = p.str(key);
        if (v !== undefined) product[key] = v === '' ? null : v;
      }
      if (p.has('tax_code')) product.tax_code = p.str('tax_code') || null;
      if (p.has('images')) product.images = p.strList('images') ?? [];
      if (p.has('metadata')) product.metadata = mergeMetadata(product.metadata, p.map('metadata'));
      product.updated = realNow();
    });
    return respond(req.ctx, product, p);
  });
}
