import type Stripe from 'stripe';
import type { Customer } from '../engine/customers';
import { newId } from '../ids';
import { Params } from '../params';
import { respond, type Router } from '../router';
import { realNow } from '../time';
import type { Obj } from '../types';

export function registerBillingPortal(router: Router): void {
  router.add('POST', '/v1/billing_portal/sessions', (req) => {
    const p = new Params(req.body, [
      'customer',
      'return_url',
      'configuration',
      'locale',
      'flow_data',
      'on_behalf_of',
      'expand',
    ]);
    const customer = req.ctx.store.require<Customer>(
      p.reqStr('customer'),
      'customer',
      'customer',
      'customer',
    );
    const configuration = p.str('configuration');
    if (configuration) {
      req.ctx.store.require(
        configuration,
        'billing_portal.configuration',
        'billing_portal.configuration',
        'configuration',
      );
    }
    const id = newId('bps');
    const session: Obj<Stripe.BillingPortal.Session> = {
      id,
      object: 'billing_portal.session',
      configuration: p.str('configuration') ?? 'bpc_emulator_default',
      created: realNow(),
      customer: customer.id,
      customer_account: null,
      flow: null,
      livemode: false,
      locale: null,
      on_behalf_of: null,
      return_url: p.str('return_url') ?? null,
      url: `${req.ctx.baseUrl()}/billing/${id}`,
    };
    req.ctx.store.insert(session);
    return respond(req.ctx, session, p);
  });
}
