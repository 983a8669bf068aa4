import type Stripe from 'stripe';
import {
  activeEntitlements,
  productFeatureLinks,
  productFeatureObject,
  refreshProductCustomers,
  type Feature,
} from '../engine/entitlements';
import { invalidRequest, noSuchObject } from '../errors';
import { newId } from '../ids';
import { paginate } from '../list';
import { LIST_PARAMS, mergeMetadata, Params } from '../params';
import { respond, type Router } from '../router';
import { listResponse, retrieveResponse } from './helpers';

/**
 * Entitlements: features (`/v1/entitlements/features`), their attachment to products
 * (`/v1/products/:id/features`) and a customer's active entitlements, derived from the products of its
 * trialing, active or past_due subscriptions.
 */
export function registerEntitlements(router: Router): void {
  router.add('POST', '/v1/entitlements/features', (req) => {
    const p = new Params(req.body, ['lookup_key', 'name', 'metadata', 'expand']);
    const lookupKey = p.reqStr('lookup_key');
    if (req.ctx.store.all<Feature>('entitlements.feature', (f) => f.lookup_key === lookupKey).length > 0) {
      throw invalidRequest(
        `A feature with lookup_key ${lookupKey} already exists.`,
        'lookup_key',
        'resource_already_exists',
      );
    }
    const feature: Feature = {
      id: newId('feat_test'),
      object: 'entitlements.feature',
      active: true,
      livemode: false,
      lookup_key: lookupKey,
      metadata: p.map('metadata') ?? {},
      name: p.reqStr('name'),
    };
    req.ctx.store.insert(feature);
    return respond(req.ctx, feature, p);
  });

  router.add('GET', '/v1/entitlements/features', (req) =>
    listResponse<Feature>(req, 'entitlements.feature', ['archived', 'lookup_key'], (f, p) => {
      const archived = p.bool('archived') ?? false;
      const lookupKey = p.str('lookup_key');
      return f.active === !archived && (!lookupKey || f.lookup_key === lookupKey);
    }),
  );

  router.add('GET', '/v1/entitlements/features/:id', (req) =>
    retrieveResponse(req, 'entitlements.feature', 'feature'),
  );

  router.add('POST', '/v1/entitlements/features/:id', (req) => {
    const p = new Params(req.body, ['active', 'name', 'metadata', 'expand']);
    const feature = req.ctx.store.require<Feature>(req.pathParams.id, 'entitlements.feature', 'feature');
    const active = p.bool('active');
    if (active !== undefined) feature.active = active;
    const name = p.str('name');
    if (name) feature.name = name;
    if (p.has('metadata')) feature.metadata = mergeMetadata(feature.metadata, p.map('metadata'));
    return respond(req.ctx, feature, p);
  });

  router.add('POST', '/v1/products/:id/features', (req) => {
    const p = new Params(req.body, ['entitlement_feature', 'expand']);
    const productId = req.ctx.store.require<{ id: string }>(req.pathParams.id, 'product', 'product').id;
    const featureId = p.reqStr('entitlement_feature');
    req.ctx.store.require<Feature>(featureId, 'entitlements.feature', 'feature', 'entitlement_feature');
    const links = productFeatureLinks(req.ctx, productId);
    if (links.some((l) => l.feature === featureId)) {
      throw invalidRequest(
        `The feature ${featureId} is already attached to ${productId}.`,
        'entitlement_feature',
        'resource_already_exists',
      );
    }
    const link = { id: newId('prodft'), feature: featureId };
    links.push(link);
    refreshProductCustomers(req.ctx, productId);
    return respond(req.ctx, productFeatureObject(req.ctx, link), p);
  });

  router.add('GET', '/v1/products/:id/features', (req) => {
    const p = new Params(req.body, LIST_PARAMS);
    const productId = req.ctx.store.require<{ id: string }>(req.pathParams.id, 'product', 'product').id;
    const items = [...productFeatureLinks(req.ctx, productId)]
      .reverse()
      .map((l) => productFeatureObject(req.ctx, l));
    return respond(req.ctx, paginate(items, p, req.path), p);
  });

  router.add('GET', '/v1/products/:id/features/:feature', (req) => {
    const p = new Params(req.body, ['expand']);
    return respond(req.ctx, productFeatureObject(req.ctx, findLink(req.ctx, req.pathParams)), p);
  });

  router.add('DELETE', '/v1/products/:id/features/:feature', (req) => {
    new Params(req.body, []);
    const link = findLink(req.ctx, req.pathParams);
    const links = productFeatureLinks(req.ctx, req.pathParams.id);
    links.splice(links.indexOf(link), 1);
    refreshProductCustomers(req.ctx, req.pathParams.id);
    return { id: link.id, object: 'product_feature', deleted: true };
  });

  router.add('GET', '/v1/entitlements/active_entitlements', (req) => {
    const p = new Params(req.body, [...LIST_PARAMS, 'customer']);
    const customer = p.reqStr('customer');
    req.ctx.store.require<Stripe.Customer>(customer, 'customer', 'customer', 'customer');
    return respond(req.ctx, paginate(activeEntitlements(req.ctx, customer), p, req.path), p);
  });
}

function findLink(ctx: Parameters<typeof productFeatureLinks>[0], params: Record<string, string>) {
  ctx.store.require<{ id: string }>(params.id, 'product', 'product');
  const link = productFeatureLinks(ctx, params.id).find((l) => l.id === params.feature);
  if (!link) throw noSuchObject('product_feature', params.feature);
  return link;
}
