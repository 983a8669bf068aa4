import type { IncomingMessage, ServerResponse } from 'node:http';
import type Stripe from 'stripe';
import type { Ctx } from './ctx';
import { completeCheckout, sessionLineItems } from './engine/checkout';
import { applyCancelAtPeriodEnd, updateWith } from './engine/subscriptions';
import { billingFromForm, renderPortalCustomerForm } from './billing-form';
import { createTaxId } from './engine/tax-ids';
import { taxLocation } from './engine/tax';
import { allowedCustomerUpdates, type PortalConfiguration } from './resources/portal-configurations';
import { parseForm } from './form-parser';
import {
  renderAuthenticationPage,
  renderCheckoutPage,
  renderInvoicePage,
  renderInvoicePdf,
  renderPortalPage,
} from './pages';
import { authenticatePaymentIntent } from './engine/payments';
import { payOneOffInvoice } from './engine/invoicing';
import type { Obj } from './types';
import { snapshot } from './store';
import type { StoredObject } from './types';
import { nowForCustomer } from './time';

/** HTTP handlers for the hosted (browser-facing) pages: checkout, billing portal, invoices. */
export interface HostedRequest {
  ctx: Ctx;
  method: string;
  path: string;
  body: string;
  req: IncomingMessage;
  res: ServerResponse;
}

const html = (res: ServerResponse, status: number, body: string): void => {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(body);
};

const redirect = (res: ServerResponse, location: string): void => {
  res.writeHead(303, { location });
  res.end();
};

const notFound = (res: ServerResponse): void => html(res, 404, '<h1>Not found</h1>');

function checkoutPage(ctx: Ctx, id: string, error?: string, card?: string): string | undefined {
  const session = ctx.store.get<Stripe.Checkout.Session>(id);
  if (!session || session.object !== 'checkout.session') return undefined;
  return renderCheckoutPage({
    session: snapshot(session),
    lineItems: sessionLineItems(ctx, id) as unknown as Stripe.LineItem[],
    trialDays: session.mode === 'subscription' ? ctx.store.internal.sessionExtras[id]?.trialDays : undefined,
    error,
    card,
  });
}

/** Returns false when the path is not a hosted page. */
export function handleHosted(h: HostedRequest): boolean {
  const { ctx, method, path, res } = h;
  let m = /^\/checkout\/([^/]+)$/.exec(path);
  if (m) {
    const id = decodeURIComponent(m[1]);
    if (method === 'POST') {
      const form = parseForm(h.body);
      const str = (k: string): string | undefined =>
        typeof form[k] === 'string' && form[k] !== '' ? form[k] : undefined;
      const result = completeCheckout(ctx, id, {
        card: str('card_number'),
        promotionCode: str('promotion_code'),
        email: str('email'),
        ...billingFromForm(str),
      });
      if (result.ok) {
        redirect(res, result.redirect);
      } else {
        const page = checkoutPage(ctx, id, result.error.message, str('card_number'));
        if (page) html(res, 402, page);
        else notFound(res);
      }
      return true;
    }
    const page = checkoutPage(ctx, id);
    if (page) html(res, 200, page);
    else notFound(res);
    return true;
  }
  m = /^\/authenticate\/([^/]+)$/.exec(path);
  if (m) {
    const pi = ctx.store.get<Obj<Stripe.PaymentIntent>>(decodeURIComponent(m[1]));
    if (!pi || pi.object !== 'payment_intent' || pi.status !== 'requires_action') {
      notFound(res);
      return true;
    }
    const returnUrl = pi.next_action?.redirect_to_url?.return_url ?? null;
    if (method === 'POST') {
      const passed = parseForm(h.body).outcome !== 'fail';
      authenticatePaymentIntent(
        ctx,
        pi,
        passed,
        nowForCustomer(ctx.store, typeof pi.customer === 'string' ? pi.customer : null),
      );
      ctx.store.save();
      if (returnUrl)
        redirect(res, `${returnUrl}${returnUrl.includes('?') ? '&' : '?'}payment_intent=${pi.id}`);
      else html(res, 200, renderAuthenticationPage(snapshot(pi) as unknown as Stripe.PaymentIntent));
      return true;
    }
    html(res, 200, renderAuthenticationPage(snapshot(pi) as unknown as Stripe.PaymentIntent));
    return true;
  }
  m = /^\/billing\/([^/]+)\/customer$/.exec(path);
  if (m && method === 'POST') {
    updatePortalCustomer(h, decodeURIComponent(m[1]));
    return true;
  }
  m = /^\/billing\/([^/]+)(?:\/subscriptions\/([^/]+)\/(cancel|resume))?$/.exec(path);
  if (m) {
    const portal = ctx.store.get<Stripe.BillingPortal.Session>(decodeURIComponent(m[1]));
    if (!portal || portal.object !== 'billing_portal.session') {
      notFound(res);
      return true;
    }
    if (method === 'POST' && m[2]) {
      const sub = ctx.store.get<Stripe.Subscription>(decodeURIComponent(m[2]));
      if (!sub || sub.customer !== portal.customer || sub.status === 'canceled') {
        notFound(res);
        return true;
      }
      const now = nowForCustomer(ctx.store, portal.customer);
      updateWith(ctx, sub, now, () => applyCancelAtPeriodEnd(sub, m![3] === 'cancel', now));
      ctx.store.save();
      redirect(res, `/billing/${portal.id}`);
      return true;
    }
    const customer = ctx.store.get<Stripe.Customer>(portal.customer);
    if (!customer) {
      notFound(res);
      return true;
    }
    html(
      res,
      200,
      renderPortalPage({
        portalId: portal.id,
        customer,
        subscriptions: ctx.store.all<Stripe.Subscription>('subscription', (s) => s.customer === customer.id),
        invoices: ctx.store.all<Stripe.Invoice>(
          'invoice',
          (i) => i.customer === customer.id && i.status !== 'draft',
        ),
        returnUrl: portal.return_url,
        customerForm: renderPortalCustomerForm(
          portal.id,
          customer,
          allowedCustomerUpdates(ctx.store.get<PortalConfiguration>(portal.configuration as string)),
        ),
      }),
    );
    return true;
  }
  m = /^\/invoices\/([^/]+)(\/pdf)?$/.exec(path);
  if (m) {
    const invoice = ctx.store.get<Stripe.Invoice>(decodeURIComponent(m[1]));
    if (!invoice || invoice.object !== 'invoice') notFound(res);
    else if (method === 'POST' && !m[2] && invoice.status === 'open' && !invoice.parent) {
      // The customer is here: the card's 3-D Secure step passes (or fails) on this page, then it is charged.
      payOneOffInvoice(ctx, invoice, {
        paymentMethod: null,
        offSession: false,
        authenticated: parseForm(h.body).outcome !== 'fail',
        now: nowForCustomer(ctx.store, typeof invoice.customer === 'string' ? invoice.customer : null),
      });
      ctx.store.save();
      html(res, 200, renderInvoicePage(invoice));
    } else if (m[2]) {
      res.writeHead(200, { 'content-type': 'application/pdf' });
      res.end(renderInvoicePdf(invoice));
    } else html(res, 200, renderInvoicePage(invoice));
    return true;
  }
  return false;
}

/** POST /billing/<portal>/customer: save name, address and a new tax ID as the portal configuration allows. */
function updatePortalCustomer(h: HostedRequest, portalId: string): void {
  const { ctx, res } = h;
  const portal = ctx.store.get<Stripe.BillingPortal.Session>(portalId);
  const customer = portal ? ctx.store.get<Stripe.Customer>(portal.customer) : undefined;
  if (!portal || portal.object !== 'billing_portal.session' || !customer) return notFound(res);
  const allowed = allowedCustomerUpdates(ctx.store.get<PortalConfiguration>(portal.configuration as string));
  const form = parseForm(h.body);
  const str = (k: string): string | undefined =>
    typeof form[k] === 'string' && form[k] !== '' ? form[k] : undefined;
  const input = billingFromForm(str);
  const now = nowForCustomer(ctx.store, customer.id);
  const before = snapshot(customer);
  if (allowed.includes('address') && input.address) {
    if (!taxLocation(input.address))
      return html(res, 400, '<p class="error">Enter a country (US: state and ZIP).</p>');
    customer.address = {
      line1: null,
      line2: null,
      city: null,
      state: null,
      postal_code: null,
      country: null,
      ...input.address,
    };
  }
  if (allowed.includes('name') && input.name) customer.name = input.name;
  const previous: Record<string, unknown> = {};
  if (JSON.stringify(before.address) !== JSON.stringify(customer.address)) previous.address = before.address;
  if (before.name !== customer.name) previous.name = before.name;
  if (Object.keys(previous).length)
    ctx.events.emit('customer.updated', customer as unknown as StoredObject, { previous, created: now });
  if (allowed.includes('tax_id') && input.taxId) {
    try {
      createTaxId(ctx, customer.id, input.taxId.type, input.taxId.value, now);
    } catch (err) {
      return html(res, 400, `<p class="error">${(err as Error).message}</p>`);
    }
  }
  ctx.store.save();
  redirect(res, `/billing/${portal.id}`);
}
