// Tollgate demo: plain ES module, no framework. Talks to the API on the same origin with a bearer token.
import { messageFor } from './messages.js';

const $ = (id) => document.getElementById(id);
const TOKEN = 'tollgate.demo.token';
let token = localStorage.getItem(TOKEN);
let currency = localStorage.getItem('tollgate.demo.currency') ?? '';

async function api(method, path, body, headers = {}) {
  const res = await fetch(path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (res.status === 401 && token && !path.startsWith('/auth/')) logout();
  return { ok: res.ok, status: res.status, data };
}

function flash(text) {
  $('return').hidden = true;
  $('confirm').hidden = true;
  $('flash').textContent = text;
  $('error').textContent = '';
}
function fail(result, near) {
  $('flash').textContent = '';
  document.querySelectorAll('.action-error').forEach((e) => e.remove());
  const text = messageFor(result.data);
  if (!near) {
    $('error').textContent = text;
    return;
  }
  // Next to the button that failed, where the eye already is.
  $('error').textContent = '';
  near.insertAdjacentElement(
    'afterend',
    el('p', { className: 'action-error', role: 'alert', textContent: text }),
  );
}
const date = (iso) => (iso ? new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' }) : '–');
const dateTime = (iso) =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '–';
let currentPlan = null; // the subscribed plan's name, to mark its card

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function logout() {
  token = null;
  localStorage.removeItem(TOKEN);
  show();
}

async function show() {
  const signedIn = !!token;
  $('auth').hidden = signedIn;
  $('app').hidden = !signedIn;
  $('whoami').hidden = !signedIn;
  if (!signedIn) return;
  $('app').setAttribute('aria-busy', 'true'); // assistive technology waits for the refresh to finish
  try {
    const me = await api('GET', '/auth/me');
    if (!me.ok) return;
    $('who').textContent = me.data.email ?? me.data.id;
    // The catalog marks the current plan: it renders once the subscription is known.
    await Promise.all([loadCredits(), loadSubscription().then(loadCatalog), loadSpending()]);
  } finally {
    $('app').removeAttribute('aria-busy');
  }
}

function renderCredits(c) {
  $('monthly-credits').textContent = c.monthly_credits;
  $('purchased-credits').textContent = c.purchased_credits;
  $('promotional-credits').textContent = c.promotional_credits ?? 0;
  $('held-credits').textContent = c.held_credits ?? 0;
  $('total-credits').textContent = c.total_credits ?? c.monthly_credits + c.purchased_credits;
}

function renderGrants(grants) {
  $('grants').replaceChildren(
    ...grants.map((g) =>
      el(
        'tr',
        { className: g.status === 'active' ? '' : 'muted' },
        el('td', { textContent: g.bucket }),
        el('td', { textContent: g.remaining }),
        el('td', { textContent: g.amount }),
        el('td', { textContent: g.expires_at ? dateTime(g.expires_at) : 'never' }),
        el('td', { textContent: g.status }),
      ),
    ),
  );
}

let overage = null; // GET /credits' overage: the current paid period's credits past the balance

/** "Past your credits: N of CAP overage credits this period · $X.XX due at renewal (period ends DATE)". */
function renderOverage(o) {
  overage = o;
  $('overage').hidden = !o?.enabled;
  if (!o?.enabled) return;
  const n = (x) => x.toLocaleString('en-US');
  $('overage-text').textContent =
    `Past your credits: ${n(o.used)} of ${n(o.cap)} overage credits this period · ` +
    `${money(o.amount_due, o.currency)} due at renewal (period ends ${date(o.period_end)})`;
}

function ledgerRow(e) {
  const over = e.bucket === 'overage';
  return el(
    'tr',
    { className: over ? 'overage-row' : '' },
    el('td', { textContent: dateTime(e.created_at) }),
    el('td', { textContent: e.amount > 0 ? `+${e.amount}` : String(e.amount) }),
    el('td', {}, over ? el('span', { className: 'tag', textContent: 'overage' }) : e.bucket),
    el('td', { textContent: e.reason }),
    // An overage row's balance_after is the period's overage so far, not a balance.
    el('td', { textContent: over ? `${e.balance_after} this period, billed at renewal` : e.balance_after }),
  );
}

async function loadCredits() {
  const [credits, ledger, grants] = await Promise.all([
    api('GET', '/credits'),
    api('GET', '/credits/ledger?limit=20'),
    api('GET', '/credits/grants?limit=20'),
  ]);
  if (grants.ok) renderGrants(grants.data.grants);
  if (credits.ok) {
    renderCredits(credits.data);
    renderOverage(credits.data.overage);
    $('ledger-total').textContent = `Total balance: ${credits.data.total_credits} credits`;
  }
  if (ledger.ok) $('ledger').replaceChildren(...ledger.data.entries.map(ledgerRow));
}

/** The newest invoices with their lines: the plan, and on a renewal of a plan with overage, the overage line. */
async function loadInvoices() {
  const r = await api('GET', '/payments/invoices?limit=3');
  const invoices = r.ok ? r.data.invoices : [];
  $('invoices-block').hidden = invoices.length === 0;
  $('invoices').replaceChildren(...invoices.map(invoiceCard));
}

function invoiceCard(i) {
  const reason = { subscription_create: 'First invoice', subscription_cycle: 'Renewal' }[i.billing_reason];
  const title = `${reason ?? 'Invoice'} ${i.number ?? i.id} · ${i.status} · ${money(i.total, i.currency)}`;
  // The plan is billed for the period ahead, overage for the period that ended.
  const period = (l) =>
    l.period_start === l.period_end
      ? date(l.period_start)
      : `${date(l.period_start)} – ${date(l.period_end)}`;
  const lines = i.lines.map((l) =>
    el(
      'tr',
      { className: l.overage ? 'overage-row' : '' },
      el(
        'td',
        {},
        ...(l.overage ? [el('span', { className: 'tag', textContent: 'overage' }), ' '] : []),
        l.description ?? '–',
      ),
      el('td', { textContent: period(l) }),
      el('td', {
        className: 'num',
        textContent: l.quantity === null ? '–' : l.quantity.toLocaleString('en-US'),
      }),
      el('td', { className: 'num', textContent: money(l.amount, i.currency) }),
    ),
  );
  return el(
    'article',
    { className: 'invoice' },
    el('p', {}, el('strong', { textContent: title }), ` · ${date(i.created)}`),
    el(
      'table',
      {},
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { scope: 'col', textContent: 'Line' }),
          el('th', { scope: 'col', textContent: 'Period' }),
          el('th', { scope: 'col', className: 'num', textContent: 'Quantity' }),
          el('th', { scope: 'col', className: 'num', textContent: 'Amount' }),
        ),
      ),
      el('tbody', {}, ...lines),
    ),
  );
}

async function loadSubscription() {
  const [r] = await Promise.all([api('GET', '/payments/get-user-subscription'), loadInvoices()]);
  if (!r.ok) return fail(r);
  const s = r.data;
  $('sub-actions').hidden = !s.has_subscription;
  currentPlan = s.has_subscription && s.plan ? s.plan.name : null;
  if (!s.has_subscription) {
    $('subscription').textContent = 'No subscription yet: pick a plan below.';
    return;
  }
  const plan = s.plan
    ? `${s.plan.name} · ${s.plan.price} ${s.plan.currency.toUpperCase()}/${s.plan.interval} · ${s.plan.monthly_credits} credits a month`
    : '';
  const lines = [
    el('p', {}, el('span', { className: 'badge', id: 'sub-status', textContent: s.status }), ' ', plan),
  ];
  if (s.status === 'trialing')
    lines.push(el('p', { id: 'trial', textContent: `Free trial until ${date(s.trial_end)}` }));
  if (s.status === 'past_due')
    lines.push(
      el('p', {
        className: 'warning',
        textContent:
          'Your last renewal payment failed: Stripe will retry it. Update your card in the billing portal.',
      }),
    );
  lines.push(
    el('p', {
      id: 'renewal',
      textContent: s.cancel_at_period_end
        ? `Cancels on ${date(s.next_renew)}`
        : `Renews on ${date(s.next_renew)}`,
    }),
  );
  $('subscription').replaceChildren(...lines);
  $('cancel-sub').hidden = s.cancel_at_period_end;
  $('resume-sub').hidden = !s.cancel_at_period_end;
}

async function loadCatalog() {
  const q = currency ? `&currency=${encodeURIComponent(currency)}` : '';
  const [plans, packs] = await Promise.all([
    api('GET', `/payments/products?product_type=subscription${q}`),
    api('GET', `/payments/products?product_type=one_time${q}`),
  ]);
  if (!plans.ok) return fail(plans);
  // Re-render only what changed: a refresh (the return from checkout, a renewal) must not close a switch
  // preview the user just opened.
  const shown = JSON.stringify([currentPlan, plans.data.products]);
  if ($('plans').dataset.shown !== shown) {
    $('plans').replaceChildren(...plans.data.products.map((p) => productCard(p, 'subscription')));
    $('plans').dataset.shown = shown;
  }
  if (packs.ok) {
    const packsShown = JSON.stringify(packs.data.products);
    if ($('packs').dataset.shown !== packsShown) {
      $('packs').replaceChildren(...packs.data.products.map((p) => productCard(p, 'one_time')));
      $('packs').dataset.shown = packsShown;
    }
    fillTopUpPacks(packs.data.products);
  }
  loadCurrencies(plans.data.currencies ?? []);
}

/** The catalog's currencies, as the products answer lists them. */
function loadCurrencies(currencies) {
  if ($('currency').options.length > 1) return;
  for (const c of currencies) $('currency').append(el('option', { value: c, textContent: c.toUpperCase() }));
  $('currency').value = currency;
}

function productCard(p, type) {
  const price = `${p.price.unit_amount} ${p.price.currency.toUpperCase()}`;
  const what =
    type === 'subscription'
      ? [
          `${price} / ${p.price.recurring?.interval ?? 'month'}`,
          `${p.credits} credits every month`,
          p.trial_days ? `${p.trial_days}-day free trial` : 'No trial',
        ]
      : [price, `${p.credits} credits, never expire`];
  if (type === 'subscription' && currentPlan) return planCard(p, what);
  const label = type === 'subscription' ? `Subscribe to ${p.name}` : `Buy ${p.name}`;
  const button = el('button', { type: 'button', textContent: type === 'subscription' ? 'Subscribe' : 'Buy' });
  button.setAttribute('aria-label', label);
  button.addEventListener('click', () => checkout(type, p, button));
  return el(
    'li',
    {},
    el('h3', { textContent: p.name }),
    el('p', { textContent: p.description }),
    el('p', { className: 'price', textContent: what[0] }),
    ...what.slice(1).map((t) => el('p', { textContent: t })),
    button,
  );
}

/** With a subscription: the current plan is marked; the others offer a switch, previewed (prorated) first. */
function planCard(p, what) {
  const current = p.name === currentPlan;
  const body = [el('h3', { textContent: p.name }), el('p', { textContent: p.description })];
  body.push(
    el('p', { className: 'price', textContent: what[0] }),
    ...what.slice(1).map((t) => el('p', { textContent: t })),
  );
  if (current)
    return el(
      'li',
      { className: 'current' },
      el('span', { className: 'badge', textContent: 'Current plan' }),
      ...body,
    );
  const button = el('button', { type: 'button', textContent: 'Switch plan' });
  button.setAttribute('aria-label', `Switch to ${p.name}`);
  const preview = el('div', { className: 'preview' });
  button.addEventListener('click', () => previewSwitch(p, button, preview));
  return el('li', {}, ...body, button, preview);
}

async function previewSwitch(p, button, preview) {
  button.disabled = true;
  const r = await api(
    'GET',
    `/payments/change-plan/preview?price_id=${encodeURIComponent(p.price.price_id)}`,
  );
  button.disabled = false;
  if (!r.ok) return fail(r, button);
  const format = new Intl.NumberFormat(undefined, { style: 'currency', currency: r.data.currency });
  const money = (n) => format.format(n / 10 ** format.resolvedOptions().maximumFractionDigits);
  const confirm = el('button', { type: 'button', textContent: `Confirm switch to ${p.name}` });
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    const done = await api('POST', '/payments/change-plan', { price_id: p.price.price_id });
    confirm.disabled = false;
    if (!done.ok) return fail(done, confirm);
    flash(`Switched to ${p.name}.`);
    await Promise.all([loadSubscription(), loadCredits()]);
    await loadCatalog();
  });
  preview.replaceChildren(
    el('p', {
      textContent: `Prorated now: ${money(r.data.proration_amount)}; next invoice: ${money(r.data.amount_due)}.`,
    }),
    confirm,
  );
}

async function checkout(type, product, button) {
  button.disabled = true;
  const path =
    type === 'subscription'
      ? '/payments/create-checkout-session'
      : '/payments/create-checkout-session-onetime';
  const r = await api('POST', path, {
    price_id: product.price.price_id,
    product_id: product.id,
    ...(currency ? { currency } : {}),
  });
  button.disabled = false;
  if (!r.ok) return fail(r, button);
  sessionStorage.setItem('tollgate.demo.checkout', r.data.session_id);
  location.assign(r.data.checkout_url);
}

/** Integer minor units → "€23.79" (the currency's own decimals: JPY has none). */
function money(minor, cur) {
  const format = new Intl.NumberFormat(undefined, { style: 'currency', currency: cur.toUpperCase() });
  return format.format(minor / 10 ** format.resolvedOptions().maximumFractionDigits);
}

/** The receipt of a paid checkout: subtotal, discount, each tax rate, total (from the session's `amounts`). */
function renderReceipt(amounts) {
  const rows = [['Subtotal', money(amounts.subtotal, amounts.currency)]];
  if (amounts.discount) rows.push(['Discount', `−${money(amounts.discount, amounts.currency)}`]);
  for (const t of amounts.taxes) {
    const where = [t.country, t.state].filter(Boolean).join('-');
    const included = t.tax_behavior === 'inclusive' ? ', included' : '';
    rows.push([
      `${t.display_name ?? 'Tax'} ${t.percentage ?? ''}% (${where}${included})`,
      money(t.amount, amounts.currency),
    ]);
  }
  rows.push(['Total paid', money(amounts.total, amounts.currency)]);
  const body = $('receipt').querySelector('tbody');
  body.replaceChildren(
    ...rows.map(([label, value]) =>
      el('tr', {}, el('th', { textContent: label }), el('td', { textContent: value })),
    ),
  );
  $('receipt').hidden = false;
}

// ---- Spending: alerts, a daily limit and auto top-up ----------------------------------------------------------

let topUp = null; // GET /credits/auto-top-up
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fillTopUpPacks(products) {
  const chosen = $('top-up-pack').value || topUp?.price_id;
  $('top-up-pack').replaceChildren(
    ...products.map((p) =>
      el('option', {
        value: p.price.price_id,
        textContent: `${p.name} (${p.price.unit_amount} ${p.price.currency.toUpperCase()})`,
      }),
    ),
  );
  if (chosen) $('top-up-pack').value = chosen;
}

async function loadSpending() {
  const [card, controls, auto] = await Promise.all([
    api('GET', '/payments/payment-method'),
    api('GET', '/credits/controls'),
    api('GET', '/credits/auto-top-up'),
  ]);
  const brand = card.ok ? card.data.brand.charAt(0).toUpperCase() + card.data.brand.slice(1) : '';
  $('saved-card').textContent = card.ok
    ? `${brand} •••• ${card.data.last4}, expires ${String(card.data.exp_month).padStart(2, '0')}/${card.data.exp_year}`
    : 'No saved card: auto top-up needs one (buying a pack saves yours too).';
  $('save-card').textContent = card.ok ? 'Use another card' : 'Save a card';
  if (controls.ok) {
    const c = controls.data;
    const daily = c.usage_limits.find((l) => l.per === 'day');
    if (document.activeElement?.form !== $('limits-form')) {
      $('low-threshold').value = c.low_balance_thresholds_default ? '' : (c.low_balance_thresholds[0] ?? '');
      $('daily-limit').value = daily ? daily.credits : '';
    }
    const alerts = c.low_balance_thresholds.length
      ? `Alert at ${c.low_balance_thresholds.join(', ')} credits${c.low_balance_thresholds_default ? ' (the default)' : ''}`
      : 'No low-balance alert';
    $('limits-status').textContent =
      `${alerts}; ${daily ? `at most ${daily.credits} credits a day` : 'no daily limit'}.`;
  }
  if (auto.ok) renderTopUp(auto.data);
}

function renderTopUp(a) {
  topUp = a;
  if (a.updated_at && document.activeElement?.form !== $('top-up-form')) {
    $('top-up-threshold').value = a.threshold;
    $('top-up-max').value = a.max_per_month;
    $('top-up-enabled').checked = a.enabled;
    if (a.price_id) $('top-up-pack').value = a.price_id;
  }
  const pack = [...$('top-up-pack').options].find((o) => o.value === a.price_id)?.textContent ?? 'a pack';
  $('top-up-status').textContent = a.enabled
    ? `On: buys ${pack} when your balance falls below ${a.threshold} credits (at most ${a.max_per_month} a month).`
    : a.disabled_reason
      ? `Off: turned off after ${a.failures} declined payments (${a.disabled_reason}). Save it again to turn it back on.`
      : 'Off.';
  const p = a.pending_payment;
  $('top-up-action').hidden = !p;
  if (p) {
    const link = el('a', { href: p.confirm_url, textContent: 'Confirm the payment' });
    $('top-up-action').replaceChildren(
      `Your bank wants you to confirm the top-up of ${money(p.amount, p.currency)} (${p.credits} credits): nothing is charged until you do. `,
      link,
    );
  }
}

$('save-card').addEventListener('click', async () => {
  $('save-card').disabled = true;
  const r = await api('POST', '/payments/payment-method/setup');
  $('save-card').disabled = false;
  if (!r.ok) return fail(r, $('save-card'));
  location.assign(r.data.checkout_url);
});

const whole = (id) => ($(id).value.trim() === '' ? null : Number($(id).value));

$('limits-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const threshold = whole('low-threshold');
  const daily = whole('daily-limit');
  const r = await api('PUT', '/dev/spend-controls', {
    low_balance_thresholds: threshold === null ? null : [threshold],
    usage_limits: daily === null ? [] : [{ credits: daily, per: 'day' }],
  });
  if (!r.ok) return fail(r, event.submitter);
  flash('Limits saved.');
  await loadSpending();
});

$('top-up-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const r = await api('PUT', '/credits/auto-top-up', {
    enabled: $('top-up-enabled').checked,
    threshold: whole('top-up-threshold'),
    price_id: $('top-up-pack').value,
    max_per_month: whole('top-up-max'),
  });
  if (!r.ok) return fail(r, event.submitter);
  flash(r.data.enabled ? 'Auto top-up is on.' : 'Auto top-up is off.');
  renderTopUp(r.data);
});

for (const button of document.querySelectorAll('[data-spend]'))
  button.addEventListener('click', () => spend(Number(button.dataset.spend), button));

async function spend(amount, button) {
  const overBefore = overage?.enabled ? overage.used : 0;
  const r = await api(
    'POST',
    '/credits/consume',
    { amount, reason: 'demo' },
    { 'Idempotency-Key': crypto.randomUUID() },
  );
  if (!r.ok) {
    await loadCredits();
    if (r.data?.code === 'USAGE_LIMIT_REACHED')
      return fail(
        {
          data: {
            message: `Usage limit reached: ${r.data.used} of ${r.data.limit} credits used ${{ hour: 'this hour', day: 'today', month: 'this month' }[r.data.per] ?? `this ${r.data.per}`}; nothing was spent. It resets ${dateTime(r.data.resets_at)}.`,
          },
        },
        button,
      );
    return fail(r, button);
  }
  const left = r.data.credits_remaining;
  await loadCredits();
  const spent = `Spent ${amount.toLocaleString('en-US')} credits: ${left} left`;
  const over = overage?.enabled ? overage.used - overBefore : 0;
  if (over > 0)
    return flash(
      `${spent}; ${over.toLocaleString('en-US')} of them past your credits, as overage billed at renewal.`,
    );
  if (!topUp?.enabled || left >= topUp.threshold) return flash(`${spent}.`);
  // Below the threshold: the top-up is bought in the background; watch it arrive (or ask for the bank's step).
  flash(`${spent}, below ${topUp.threshold}. Buying your top-up…`);
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    await sleep(500);
    const [credits] = await Promise.all([api('GET', '/credits'), loadSpending()]);
    if (topUp?.pending_payment) return flash('Your top-up needs you: confirm it with your bank below.');
    if (credits.ok && credits.data.total_credits > left) {
      await loadCredits();
      return flash(`Auto top-up: your pack arrived. You now have ${credits.data.total_credits} credits.`);
    }
    if (topUp && !topUp.enabled) return flash('Auto top-up failed and is now off.');
  }
  flash('The top-up has not arrived yet: it will appear here when Stripe confirms it.');
}

/** /demo/payments/confirm?payment_intent=…: the top-up that needs the customer (3-D Secure), confirmed here. */
async function showConfirm(paymentIntent, returned) {
  history.replaceState(null, '', '/demo');
  $('confirm').hidden = false;
  const text = $('confirm-text');
  const auto = await api('GET', '/credits/auto-top-up');
  if (!auto.ok) return (text.textContent = messageFor(auto.data));
  const pending =
    auto.data.pending_payment?.payment_intent_id === paymentIntent ? auto.data.pending_payment : null;
  if (returned && pending?.status === 'requires_payment_method') {
    text.textContent = 'The authentication did not go through: nothing was charged. You can try again.';
  } else if (returned || !pending) {
    await waitForTopUp(paymentIntent);
    return;
  } else {
    text.textContent = `Your auto top-up of ${money(pending.amount, pending.currency)} (${pending.credits} credits) needs you to confirm it with your bank. Nothing is charged until you do.`;
  }
  $('confirm-pay').hidden = false;
  $('confirm-pay').onclick = async () => {
    $('confirm-pay').disabled = true;
    const r = await api('POST', '/credits/auto-top-up/confirm', { payment_intent_id: paymentIntent });
    $('confirm-pay').disabled = false;
    if (!r.ok) return fail(r, $('confirm-pay'));
    if (r.data.redirect_url) return location.assign(r.data.redirect_url);
    $('confirm-pay').hidden = true;
    await waitForTopUp(paymentIntent);
  };
}

/** After the bank's step: poll until the top-up is no longer waiting (its credits granted), no manual refresh. */
async function waitForTopUp(paymentIntent) {
  const text = $('confirm-text');
  text.textContent = 'Payment confirmed. Waiting for your credits…';
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const r = await api('GET', '/credits/auto-top-up');
    if (r.ok && r.data.pending_payment?.payment_intent_id !== paymentIntent) {
      const credits = await api('GET', '/credits');
      text.textContent = `Top-up complete: credits added. You now have ${credits.data?.total_credits ?? '…'} credits.`;
      $('confirm').dataset.done = 'true';
      await show();
      return;
    }
    await sleep(500);
  }
  text.textContent = 'Still waiting for Stripe. Reload this page in a moment.';
}

/** /demo/payments/payment-method?session_id=…: back from saving a card; it shows once the webhook lands. */
async function watchSavedCard() {
  history.replaceState(null, '', '/demo');
  flash('Saving your card…');
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const r = await api('GET', '/payments/payment-method');
    if (r.ok) {
      await loadSpending();
      return flash(`Card saved: ${r.data.brand} •••• ${r.data.last4}.`);
    }
    await sleep(500);
  }
  flash('Your card is not saved yet: reload this page in a moment.');
}

/** /demo/payments/success?session_id=…: poll until the purchase is applied, no manual refresh. */
async function watchCheckout(sessionId) {
  $('return').hidden = false;
  $('return-text').textContent = 'Payment received. Waiting for your purchase to be applied…';
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const r = await api('GET', `/payments/checkout-session/${encodeURIComponent(sessionId)}`);
    if (!r.ok) {
      $('return-text').textContent = messageFor(r.data);
      return;
    }
    if (r.data.fulfilled) {
      renderCredits(r.data.credits);
      if (r.data.amounts) renderReceipt(r.data.amounts);
      $('return-text').textContent =
        r.data.mode === 'subscription'
          ? `Subscribed${r.data.subscription?.status === 'trialing' ? ' (free trial started)' : ''}. You now have ${r.data.credits.total_credits} credits.`
          : `Credits added. You now have ${r.data.credits.total_credits} credits.`;
      $('return').dataset.fulfilled = 'true';
      history.replaceState(null, '', '/demo');
      await show();
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  $('return-text').textContent = 'Still waiting for Stripe. Reload this page in a moment.';
}

/** /demo/payments/cancel: back from checkout unpaid; a declined card is explained with the spec's message. */
async function showCanceled() {
  history.replaceState(null, '', '/demo');
  $('return').hidden = false;
  const pending = sessionStorage.getItem('tollgate.demo.checkout');
  const r =
    pending && token ? await api('GET', `/payments/checkout-session/${encodeURIComponent(pending)}`) : null;
  const declined = r?.ok ? r.data.last_payment_error : null;
  $('return-text').textContent = declined
    ? `${messageFor(declined)} You were not charged.`
    : 'Checkout canceled: you were not charged. Pick a plan or pack to try again.';
}

$('auth-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const action = event.submitter?.value === 'login' ? 'login' : 'register';
  const r = await api('POST', `/auth/${action}`, { email: $('email').value, password: $('password').value });
  if (!r.ok) return fail(r);
  token = r.data.access_token;
  localStorage.setItem(TOKEN, token);
  flash(action === 'register' ? 'Account created.' : 'Welcome back.');
  await show();
});

$('token-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  token = $('token')
    .value.trim()
    .replace(/^Bearer\s+/i, '');
  localStorage.setItem(TOKEN, token);
  await show();
});

$('logout').addEventListener('click', logout);

$('use-credit').addEventListener('click', async () => {
  const r = await api(
    'POST',
    '/credits/consume',
    { amount: 1, reason: 'demo' },
    { 'Idempotency-Key': crypto.randomUUID() },
  );
  $('out-of-credits').hidden = r.status !== 402 || r.data?.code !== 'INSUFFICIENT_CREDITS';
  if (r.status === 402 && r.data?.code === 'INSUFFICIENT_CREDITS') {
    $('flash').textContent = '';
    $('error').textContent = '';
  } else if (!r.ok) return fail(r, $('use-credit'));
  else flash(`Used 1 credit: ${r.data.credits_remaining} left.`);
  await loadCredits();
});

$('cancel-sub').addEventListener('click', async () => {
  const r = await api('DELETE', '/payments/cancel-subscription');
  if (!r.ok) return fail(r, $('cancel-sub'));
  flash('Your subscription will end at the close of this period.');
  await loadSubscription();
});

$('resume-sub').addEventListener('click', async () => {
  const r = await api('POST', '/payments/resume-subscription');
  if (!r.ok) return fail(r, $('resume-sub'));
  flash('Your subscription continues.');
  await loadSubscription();
});

$('portal').addEventListener('click', async (event) => {
  event.preventDefault();
  const r = await api('GET', '/payments/create-billing-portal-session');
  if (!r.ok) return fail(r, $('portal'));
  location.assign(r.data.url);
});

$('currency').addEventListener('change', async () => {
  currency = $('currency').value;
  localStorage.setItem('tollgate.demo.currency', currency);
  await loadCatalog();
});

for (const button of document.querySelectorAll('[data-travel]')) {
  button.addEventListener('click', async () => {
    button.disabled = true;
    if (button.dataset.travel === 'renewal') flash('Advancing your billing clock…');
    const r = await api('POST', `/dev/time-travel/${button.dataset.travel}`);
    button.disabled = false;
    if (!r.ok) return fail(r, button);
    if (button.dataset.travel === 'skip-trial')
      return flash(
        'Your next subscription starts paid, without the free trial: overage runs from its first day.',
      );
    const when = new Date(r.data.frozen_time).toLocaleString();
    const did = {
      renewal: r.data.invoice_id
        ? `Advanced your billing clock past the next renewal and its invoice's draft hour (now ${when}): the renewal invoice is charged with the period's overage, and your monthly credits reset.`
        : `Advanced your billing clock past the next renewal (now ${when}): the renewal is charged and your monthly credits reset.`,
      'fail-next-renewal':
        'Your next renewal will be declined: advance to the next renewal to see the subscription go past due.',
      'restore-card': 'Renewals charge your checkout card again.',
      'refund-last-purchase': `Refunded your last credit pack (${r.data.refund_id ?? 'refund'}): its credits are taken back.`,
    }[button.dataset.travel];
    flash(`${did} Updates arrive as Stripe's webhooks do.`);
    // Webhooks land asynchronously: refresh a few times instead of asking for a reload.
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await Promise.all([loadCredits(), loadSubscription()]);
    }
  });
}

const params = new URLSearchParams(location.search);
if (location.pathname === '/demo/payments/success' && params.get('session_id')) {
  await show();
  await watchCheckout(params.get('session_id'));
} else if (location.pathname === '/demo/payments/confirm' && params.get('payment_intent') && token) {
  await show();
  await showConfirm(params.get('payment_intent'), params.get('returned') === 'true');
} else if (location.pathname === '/demo/payments/payment-method' && token) {
  await show();
  await watchSavedCard();
} else {
  if (location.pathname === '/demo/payments/cancel') await showCanceled();
  await show();
}
