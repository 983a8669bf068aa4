import type Stripe from 'stripe';
import { renderBillingFields, renderTaxSummary } from './billing-form';
import { formatAmount } from './money';

/** HTML rendering of the hosted pages (checkout, billing portal, invoice). Pure functions, no I/O. */

import { escapeHtml } from './html';

export { escapeHtml };

const date = (ts: number | null | undefined): string =>
  ts ? new Date(ts * 1000).toISOString().slice(0, 10) : '—';

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:640px;margin:2rem auto;padding:0 1rem;color:#1a1f36}
.banner{background:#fff3cd;border:1px solid #e0c36b;padding:.5rem 1rem;border-radius:6px;font-size:.9rem}
table{width:100%;border-collapse:collapse}td,th{padding:.4rem;border-bottom:1px solid #e3e8ee;text-align:left}
.error{color:#c0123c;font-weight:600}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1rem;padding:.6rem 1.2rem;background:#635bff;color:#fff;border:0;border-radius:6px;cursor:pointer}</style>
</head><body><p class="banner">Stripe emulator — test mode, NO REAL MONEY MOVES.</p>${body}</body></html>`;
}

export interface CheckoutPageModel {
  session: Stripe.Checkout.Session;
  lineItems: Stripe.LineItem[];
  trialDays?: number;
  error?: string;
  /** After a decline: the card number the buyer typed, shown again instead of the default test card. */
  card?: string;
}

export function renderCheckoutPage({
  session,
  lineItems,
  trialDays,
  error,
  card,
}: CheckoutPageModel): string {
  const cur = session.currency ?? 'usd';
  const rows = lineItems
    .map((li) => {
      const per = li.price?.recurring ? ` / ${li.price.recurring.interval}` : '';
      const price = li.price;
      const unit =
        (price?.currency === cur ? price.unit_amount : price?.currency_options?.[cur]?.unit_amount) ?? 0;
      return `<tr><td>${escapeHtml(li.description ?? '')}</td><td>${li.quantity === null ? 'per unit used' : `× ${li.quantity}`}</td><td>${formatAmount(
        unit,
        cur,
      )}${per}</td></tr>`;
    })
    .join('');
  const discount = session.total_details?.amount_discount
    ? `<p>Discount: −${formatAmount(session.total_details.amount_discount, cur)}</p>`
    : '';
  const tax = renderTaxSummary(session, lineItems);
  const trial = trialDays
    ? `<p class="trial">${trialDays}-day free trial — nothing is charged today.</p>`
    : '';
  const promo = session.allow_promotion_codes
    ? `<label for="promotion_code">Promotion code</label><input id="promotion_code" name="promotion_code" autocomplete="off">`
    : '';
  const email =
    session.customer || session.customer_email
      ? ''
      : `<label for="email">Email</label><input id="email" name="email" type="email">`;
  const cancel = session.cancel_url
    ? `<p><a href="${escapeHtml(session.cancel_url)}">Cancel and go back</a></p>`
    : '';
  const status =
    session.status === 'open'
      ? `<form method="POST" action="/checkout/${escapeHtml(session.id)}">${email}
${renderBillingFields(session)}
<label for="card_number">Card number</label><input id="card_number" name="card_number" value="${escapeHtml(card ?? '4242 4242 4242 4242')}" inputmode="numeric">
${promo}<button type="submit">${session.mode === 'subscription' ? 'Subscribe' : session.mode === 'setup' ? 'Save card' : 'Pay'}</button></form>${cancel}`
      : `<p>This checkout session is ${escapeHtml(String(session.status))}.</p>`;
  return layout(
    'Checkout',
    `<h1>Checkout</h1>${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<table><tbody>${rows}</tbody></table>${discount}${tax}
<p><strong>Total due today: <span class="total">${formatAmount(session.amount_total ?? 0, cur)}</span></strong></p>${trial}${status}`,
  );
}

export interface PortalPageModel {
  portalId: string;
  customer: Stripe.Customer;
  subscriptions: Stripe.Subscription[];
  invoices: Stripe.Invoice[];
  returnUrl: string | null;
  /** the "Billing information" form when the portal configuration lets the customer update it */
  customerForm?: string;
}

export function renderPortalPage(m: PortalPageModel): string {
  const subs = m.subscriptions
    .map((s) => {
      const item = s.items.data[0];
      const price = item?.price;
      const amount = price
        ? `${formatAmount(price.unit_amount ?? 0, s.currency)} / ${price.recurring?.interval ?? ''}`
        : '';
      const action = s.status === 'canceled' ? '' : s.cancel_at_period_end ? 'resume' : 'cancel';
      const label = action === 'resume' ? 'Resume subscription' : 'Cancel subscription';
      const form = action
        ? `<form method="POST" action="/billing/${escapeHtml(m.portalId)}/subscriptions/${escapeHtml(s.id)}/${action}"><button type="submit">${label}</button></form>`
        : '';
      const note = s.cancel_at_period_end ? `<p>Cancels on ${date(s.cancel_at)}</p>` : '';
      return `<li data-subscription="${escapeHtml(s.id)}"><strong>${escapeHtml(s.status)}</strong> ${amount} — renews ${date(
        item?.current_period_end,
      )}${note}${form}</li>`;
    })
    .join('');
  const invoices = m.invoices
    .map(
      (i) =>
        `<tr><td>${date(i.created)}</td><td>${formatAmount(i.amount_paid || i.amount_due, i.currency)}</td><td>${escapeHtml(
          String(i.status),
        )}</td><td>${i.hosted_invoice_url ? `<a href="${escapeHtml(i.hosted_invoice_url)}">View</a>` : ''}</td></tr>`,
    )
    .join('');
  const back = m.returnUrl ? `<p><a href="${escapeHtml(m.returnUrl)}">Return</a></p>` : '';
  return layout(
    'Billing',
    `<h1>Billing for ${escapeHtml(m.customer.email ?? m.customer.id)}</h1><h2>Subscriptions</h2><ul>${subs || '<li>None</li>'}</ul>
<h2>Invoices</h2><table><tbody>${invoices}</tbody></table>${m.customerForm ?? ''}${back}`,
  );
}

export function renderInvoicePage(invoice: Stripe.Invoice): string {
  const lines = invoice.lines.data
    .map(
      (l) =>
        `<tr><td>${escapeHtml(l.description ?? '')}</td><td>${formatAmount(l.amount, invoice.currency)}</td></tr>`,
    )
    .join('');
  return layout(
    `Invoice ${invoice.number ?? invoice.id}`,
    `<h1>Invoice ${escapeHtml(invoice.number ?? invoice.id)}</h1><p>Status: ${escapeHtml(String(invoice.status))}</p>
<table><tbody>${lines}</tbody></table><p><strong>Amount due: ${formatAmount(invoice.amount_due, invoice.currency)}</strong></p>
<p>Paid: ${formatAmount(invoice.amount_paid, invoice.currency)}</p>` +
      // A one-off invoice still open (an off-session payment that needed 3-D Secure): the customer pays it here.
      (invoice.status === 'open' && !invoice.parent
        ? `<form method="post"><button type="submit" name="outcome" value="pass">Authenticate and pay</button>` +
          `<button type="submit" name="outcome" value="fail">Fail authentication</button></form>`
        : ''),
  );
}

/** A tiny valid-looking PDF so `invoice_pdf` links download something. */
export function renderInvoicePdf(invoice: Stripe.Invoice): Buffer {
  const text = `Invoice ${invoice.number ?? invoice.id} - ${formatAmount(invoice.amount_due, invoice.currency)} - ${invoice.status}`;
  const stream = `BT /F1 12 Tf 72 720 Td (${text.replace(/[()\\]/g, '')}) Tj ET`;
  const body = `%PDF-1.4
1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj
4 0 obj<</Length ${stream.length}>>stream
${stream}
endstream endobj
5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj
trailer<</Root 1 0 R>>
%%EOF`;
  return Buffer.from(body, 'latin1');
}

/** The hosted 3-D Secure step of a PaymentIntent that `requires_action`: pass or fail the authentication. */
export function renderAuthenticationPage(pi: Stripe.PaymentIntent): string {
  const done = pi.status !== 'requires_action';
  return layout(
    '3D Secure authentication',
    `<h1>3D Secure authentication</h1><p>Confirm the payment of <strong>${formatAmount(pi.amount, pi.currency)}</strong>.</p>` +
      (done
        ? `<p class="status">Payment ${escapeHtml(pi.status)}.</p>`
        : `<form method="post"><button type="submit" name="outcome" value="pass">Complete authentication</button>` +
          `<button type="submit" name="outcome" value="fail">Fail authentication</button></form>`),
  );
}
