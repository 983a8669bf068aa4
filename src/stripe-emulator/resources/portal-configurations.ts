import type Stripe from 'stripe';
import { newId } from '../ids';
import { Params } from '../params';
import { respond, type Router } from '../router';
import { realNow } from '../time';
import type { Obj } from '../types';
import { listResponse, retrieveResponse } from './helpers';

export type PortalConfiguration = Obj<Stripe.BillingPortal.Configuration>;

/** What the portal lets a customer update (`features.customer_update`), from a session's configuration. */
export function allowedCustomerUpdates(config: PortalConfiguration | undefined): string[] {
  const update = config?.features?.customer_update;
  return update?.enabled ? [...update.allowed_updates] : [];
}

/**
 * Billing portal configurations: `features.customer_update{enabled, allowed_updates[]}` (the emulated portal
 * page then offers a form for name, address and tax ID), `invoice_history`, `subscription_cancel`, the rest
 * recorded as given. Create, retrieve, list (`active`, `is_default`).
 */
export function registerPortalConfigurations(router: Router): void {
  router.add('POST', '/v1/billing_portal/configurations', (req) => {
    const p = new Params(req.body, [
      'features',
      'business_profile',
      'default_return_url',
      'login_page',
      'metadata',
      'name',
      'expand',
    ]);
    const features = p.obj('features', [
      'customer_update',
      'invoice_history',
      'payment_method_update',
      'subscription_cancel',
      'subscription_update',
    ]);
    const enabled = (key: string): boolean =>
      features
        ?.obj(key, ['enabled', 'allowed_updates', 'mode', 'proration_behavior', 'cancellation_reason'])
        ?.bool('enabled') ?? false;
    const update = features?.obj('customer_update', ['enabled', 'allowed_updates']);
    const now = realNow();
    const config: PortalConfiguration = {
      id: newId('bpc'),
      object: 'billing_portal.configuration',
      active: true,
      application: null,
      business_profile: { headline: null, privacy_policy_url: null, terms_of_service_url: null },
      created: now,
      default_return_url: p.str('default_return_url') ?? null,
      features: {
        customer_update: {
          allowed_updates: (update?.strList('allowed_updates') ??
            []) as Stripe.BillingPortal.Configuration.Features.CustomerUpdate.AllowedUpdate[],
          enabled: update?.bool('enabled') ?? false,
        },
        invoice_history: { enabled: enabled('invoice_history') },
        payment_method_update: {
          enabled: enabled('payment_method_update'),
          payment_method_configuration: null,
        },
        subscription_cancel: {
          cancellation_reason: { enabled: false, options: [] },
          enabled: enabled('subscription_cancel'),
          mode: 'at_period_end',
          proration_behavior: 'none',
        },
      } as unknown as Stripe.BillingPortal.Configuration.Features,
      is_default: false,
      livemode: false,
      login_page: { enabled: false, url: null },
      metadata: p.map('metadata') ?? {},
      name: p.str('name') ?? null,
      updated: now,
    };
    req.ctx.store.insert(config);
    return respond(req.ctx, config, p);
  });

  router.add('GET', '/v1/billing_portal/configurations', (req) =>
    listResponse<PortalConfiguration>(
      req,
      'billing_portal.configuration',
      ['active', 'is_default'],
      (o, p) => {
        const active = p.bool('active');
        const isDefault = p.bool('is_default');
        return (
          (active === undefined || o.active === active) &&
          (isDefault === undefined || o.is_default === isDefault)
        );
      },
    ),
  );

  router.add('GET', '/v1/billing_portal/configurations/:id', (req) =>
    retrieveResponse(req, 'billing_portal.configuration', 'billing_portal.configuration'),
  );
}
