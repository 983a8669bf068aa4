import { api, ApiError, q, redeemIdpSession, signedIn, signIn, signOut } from './api.js';
import { card, h, money, section, table, text, when } from './dom.js';

const view = document.getElementById('view');
const flashBox = document.getElementById('flash');
const errorBox = document.getElementById('error');
let me = null;

const isAdmin = () => me?.role === 'admin';
const enc = encodeURIComponent;

function flash(message) {
  errorBox.textContent = '';
  flashBox.textContent = message;
}

function fail(err) {
  flashBox.textContent = '';
  errorBox.textContent =
    err instanceof ApiError ? `${err.code}: ${err.message}` : String(err?.message ?? err);
}

/** Bumped by each navigation: a slow view that finishes after the operator moved on renders nothing. */
let generation = 0;

function show(g, ...children) {
  if (g === generation)
    view.replaceChildren(
      ...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false),
    );
}

/**
 * Every action asks for a reason (kept in the audit log) and an explicit confirmation. Resolves to the form's
 * values, or null when cancelled.
 */
function confirmAction(title, fields = []) {
  return new Promise((resolve) => {
    const reason = h('input', {
      name: 'reason',
      required: true,
      minlength: 3,
      maxlength: 500,
      autocomplete: 'off',
    });
    const inputs = fields.map((f) => [
      f,
      h('input', { name: f.name, type: f.type ?? 'text', required: true, ...f.attrs }),
    ]);
    const dialog = h(
      'dialog',
      { className: 'confirm', 'aria-label': title },
      h(
        'form',
        { method: 'dialog' },
        h('h3', {}, title),
        inputs.map(([f, input]) => h('label', {}, f.label, input)),
        h('label', {}, 'Reason (kept in the audit log)', reason),
        h(
          'div',
          { className: 'buttons' },
          h('button', { type: 'submit', value: 'ok', className: 'danger' }, 'Confirm'),
          h('button', { type: 'submit', value: 'cancel', formnovalidate: true }, 'Cancel'),
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      const ok = dialog.returnValue === 'ok';
      const values = Object.fromEntries(inputs.map(([f, input]) => [f.name, input.value]));
      dialog.remove();
      resolve(ok ? { ...values, reason: reason.value.trim() } : null);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

async function act(title, fields, run, after) {
  const values = await confirmAction(title, fields);
  if (!values) return;
  try {
    const result = await run(values);
    flash(`${title}: done.`);
    await after?.(result);
  } catch (err) {
    fail(err);
  }
}

// ---- sign-in ----

function loginView() {
  const g = generation;
  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'username' });
  const password = h('input', {
    type: 'password',
    name: 'password',
    required: true,
    autocomplete: 'current-password',
  });
  const form = h(
    'form',
    { className: 'login' },
    h('h1', {}, 'Sign in'),
    // AUTH_LOCAL=false: only the identity provider signs in.
    document.body.dataset.local === 'off'
      ? null
      : [
          h('label', {}, 'Email', email),
          h('label', {}, 'Password', password),
          h('button', { type: 'submit' }, 'Sign in'),
        ],
    document.body.dataset.oidc === 'on'
      ? h(
          'p',
          { className: 'idp' },
          h(
            'a',
            { href: '/console/auth/oidc/start', className: 'button' },
            'Sign in with your identity provider',
          ),
        )
      : null,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      me = await signIn(email.value, password.value);
      flash('');
      chrome();
      await route();
    } catch (err) {
      fail(err);
    }
  });
  show(g, form);
}

function chrome() {
  const on = signedIn() && me !== null;
  document.getElementById('nav').hidden = !on;
  document.getElementById('signout').hidden = !on;
  const who = document.getElementById('who');
  who.hidden = !on;
  who.textContent = on ? `${me.email ?? me.id} (${me.role})` : '';
  document.getElementById('nav-keys').hidden = !(on && isAdmin());
}

/** Why the identity provider's sign-in was turned away, from the error code the callback sent back. */
const IDP_REFUSALS = {
  FORBIDDEN: 'This account is not an operator (admin or support): ask an admin to promote it.',
  AUTH_TOKEN_INVALID: 'The sign-in with your identity provider did not complete: start again.',
  AUTH_PROVIDER_UNAVAILABLE: 'Your identity provider cannot be reached right now: try again shortly.',
};

/** Back from the identity provider (#/oidc, or #/oidc?error=CODE): take the session, or say why not. */
async function idpReturn(params) {
  history.replaceState(null, '', '/console#/');
  const error = params.get('error');
  if (error) {
    loginView();
    fail(new ApiError(403, { code: error, message: IDP_REFUSALS[error] ?? 'The sign-in failed.' }));
    return;
  }
  try {
    me = await redeemIdpSession();
    flash('');
    chrome();
    await route();
  } catch (err) {
    loginView();
    fail(err);
  }
}

document.getElementById('signout').addEventListener('click', () => {
  signOut();
  me = null;
  chrome();
  location.hash = '#/';
  loginView();
});

// ---- dashboard ----

async function dashboardView() {
  const g = generation;
  const o = await api('GET', '/admin/overview');
  show(
    g,
    section(
      'Dashboard',
      h(
        'div',
        { className: 'cards' },
        card('Webhook inbox backlog', o.webhook_inbox_backlog, 'webhook_inbox_backlog'),
        card('Undelivered outbound events', o.outbound_undelivered, 'outbound_undelivered'),
        card('Disabled endpoints', o.outbound_disabled_endpoints, 'outbound_disabled_endpoints'),
        card('Credits granted', o.credits_granted, 'credits_granted'),
        card('Credits consumed', o.credits_consumed, 'credits_consumed'),
        card('Credits clawed back', o.credits_clawed_back, 'credits_clawed_back'),
      ),
      h(
        'p',
        { className: 'note' },
        'Counters since this server process started, as GET /metrics reports them.',
      ),
    ),
  );
}

// ---- customers ----

async function customersView(params) {
  const g = generation;
  const term = params.get('q') ?? '';
  const input = h('input', {
    type: 'search',
    name: 'q',
    value: term,
    required: true,
    placeholder: 'email, external id, cus_… or user id',
    'aria-label': 'Find a customer',
  });
  const form = h('form', { className: 'search' }, input, h('button', { type: 'submit' }, 'Find'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/customers${q({ q: input.value.trim() })}`;
  });
  const results = h('div', {});
  show(g, section('Customers', form, results));
  if (!term) return;
  const found = await api('GET', `/admin/users${q({ q: term, limit: 50 })}`);
  if (found.users.length === 1 && !params.has('list')) {
    location.hash = `#/customers/${enc(found.users[0].id)}`;
    return;
  }
  results.replaceChildren(
    table(
      'Customers found',
      [
        ['Email', (u) => h('a', { href: `#/customers/${enc(u.id)}` }, text(u.email))],
        ['External id', (u) => text(u.external_id)],
        ['Stripe customer', (u) => text(u.customer_id)],
        ['Role', (u) => u.role],
        ['Since', (u) => when(u.created_at)],
      ],
      found.users,
      'No customer matches.',
    ),
  );
}

const BUCKETS = [
  ['monthly_credits', 'Monthly'],
  ['purchased_credits', 'Purchased'],
  ['promotional_credits', 'Promotional'],
  ['held_credits', 'Held'],
  ['total_credits', 'Total'],
];

function balance(credits) {
  const cards = BUCKETS.filter(([key]) => key in credits).map(([key, label]) =>
    card(label, credits[key], key),
  );
  const expiring = Array.isArray(credits.expiring) ? credits.expiring : [];
  return h(
    'div',
    {},
    h('div', { className: 'cards' }, cards),
    expiring.length
      ? table(
          'Expiring credits',
          [
            ['Amount', (e) => text(e.amount ?? e.credits)],
            ['Expires', (e) => when(e.expires_at ?? e.at)],
          ],
          expiring,
        )
      : null,
  );
}

async function grantsSection(ref, reload) {
  try {
    const answer = await api('GET', `/admin/users/${enc(ref)}/grants?status=active`);
    const grants = answer.grants ?? answer.entries ?? [];
    const columns = [
      ['Grant', (g) => text(g.id)],
      ['Bucket', (g) => text(g.bucket ?? g.kind)],
      ['Remaining', (g) => text(g.remaining ?? g.amount)],
      ['Expires', (g) => when(g.expires_at)],
    ];
    // Voiding takes what remains of a grant out of the balance (a grant_void ledger row): admins only.
    if (isAdmin()) {
      columns.push([
        'Actions',
        (g) =>
          h(
            'button',
            {
              type: 'button',
              className: 'danger',
              'aria-label': `Void grant ${g.id}`,
              onclick: () =>
                act(
                  `Void grant ${g.id} (${g.remaining} credits left)`,
                  [],
                  (v) => api('POST', `/admin/users/${enc(ref)}/grants/${enc(g.id)}/void`, v),
                  reload,
                ),
            },
            'Void',
          ),
      ]);
    }
    return section('Live grants', table('Live grants', columns, grants, 'No live grants.'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && err.code === 'NOT_FOUND') return null; // not served here
    throw err;
  }
}

function subscriptionSection(ref, sub, reload) {
  if (!sub?.has_subscription)
    return section('Subscription', h('p', { className: 'empty' }, 'No live subscription.'));
  const rows = [
    ['Status', sub.status],
    [
      'Plan',
      sub.plan
        ? `${sub.plan.name} (${money(sub.plan.unit_amount, sub.plan.currency)} / ${sub.plan.interval})`
        : '—',
    ],
    ['Monthly credits', sub.plan?.monthly_credits],
    ['Access', sub.has_access ? 'yes' : 'no'],
    ['Period', `${when(sub.last_renew)} → ${when(sub.next_renew)}`],
    ['Trial ends', when(sub.trial_end)],
    ['Ends at period end', sub.cancel_at_period_end ? 'yes' : 'no'],
    ['Subscription', sub.subscription_id],
  ];
  const actions = isAdmin()
    ? sub.cancel_at_period_end
      ? h(
          'button',
          {
            type: 'button',
            onclick: () =>
              act(
                'Resume subscription',
                [],
                (v) => api('POST', `/admin/users/${enc(ref)}/subscription/resume`, v),
                reload,
              ),
          },
          'Resume',
        )
      : h(
          'button',
          {
            type: 'button',
            className: 'danger',
            onclick: () =>
              act(
                'Cancel subscription at period end',
                [],
                (v) => api('POST', `/admin/users/${enc(ref)}/subscription/cancel`, v),
                reload,
              ),
          },
          'Cancel at period end',
        )
    : null;
  return section(
    'Subscription',
    h(
      'dl',
      { className: 'facts' },
      rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, text(v))]),
    ),
    actions,
  );
}

const REASONS = [
  'subscription_grant',
  'period_reset',
  'period_expiry',
  'purchase',
  'consume',
  'consume_refund',
  'refund_clawback',
  'dispute_clawback',
  'dispute_reversal',
  'subscription_ended',
  'admin_adjustment',
  'grant',
  'grant_void',
  'grant_expiry',
  'hold',
  'hold_return',
];

/** The ledger, filtered and paged by the server (reason, and days in the operator's time zone). */
function ledgerSection(ref, first) {
  let entries = [...first.entries];
  let cursor = first.next_cursor;
  const reason = h(
    'select',
    { name: 'reason', 'aria-label': 'Filter by reason' },
    h('option', { value: '' }, 'All reasons'),
    REASONS.map((r) => h('option', { value: r }, r)),
  );
  const from = h('input', { type: 'date', name: 'from', 'aria-label': 'From date' });
  const to = h('input', { type: 'date', name: 'to', 'aria-label': 'To date' });
  const body = h('div', {});
  const more = h('button', { type: 'button' }, 'Load more');
  const filter = () => {
    const until = to.value ? new Date(`${to.value}T00:00:00`) : null;
    if (until) until.setDate(until.getDate() + 1); // the whole "to" day
    return {
      reason: reason.value,
      since: from.value ? new Date(`${from.value}T00:00:00`).toISOString() : undefined,
      until: until?.toISOString(),
    };
  };
  const render = () => {
    body.replaceChildren(
      table(
        'Ledger',
        [
          ['When', (e) => when(e.created_at)],
          ['Reason', (e) => e.reason],
          ['Bucket', (e) => e.bucket],
          ['Amount', (e) => (e.amount > 0 ? `+${e.amount}` : String(e.amount))],
          ['Balance after', (e) => e.balance_after],
          ['Source', (e) => (e.source_type ? `${e.source_type} ${text(e.source_id)}` : '—')],
        ],
        entries,
        'No ledger entry matches.',
      ),
    );
    more.hidden = !cursor;
  };
  const load = async (reset) => {
    try {
      const page = await api(
        'GET',
        `/admin/users/${enc(ref)}/ledger${q({ ...filter(), cursor: reset ? undefined : cursor, limit: 50 })}`,
      );
      entries = reset ? page.entries : entries.concat(page.entries);
      cursor = page.next_cursor;
      render();
    } catch (err) {
      fail(err);
    }
  };
  for (const input of [reason, from, to]) input.addEventListener('change', () => load(true));
  more.addEventListener('click', () => load(false));
  render();
  return section('Ledger', h('div', { className: 'filters' }, reason, from, to), body, more);
}

async function moneySections(ref, reload) {
  const [invoices, payments] = await Promise.all([
    api('GET', `/admin/users/${enc(ref)}/invoices${q({ limit: 20 })}`),
    api('GET', `/admin/users/${enc(ref)}/payments`),
  ]);
  return [
    section(
      'Payments and refunds',
      table(
        'Payments',
        [
          ['When', (p) => when(p.created)],
          [
            'What',
            (p) =>
              `${p.kind === 'credit_pack' ? 'Credit pack' : 'Subscription'}${p.description ? `: ${p.description}` : ''}`,
          ],
          ['Amount', (p) => money(p.amount, p.currency)],
          ['Refunded', (p) => (p.amount_refunded ? money(p.amount_refunded, p.currency) : '—')],
          ['Status', (p) => p.status],
          [
            '',
            (p) =>
              isAdmin() && p.refundable
                ? h(
                    'button',
                    {
                      type: 'button',
                      className: 'danger',
                      onclick: () =>
                        act(
                          `Refund ${money(p.amount, p.currency)} (credits are clawed back)`,
                          [],
                          (v) =>
                            api(
                              'POST',
                              `/admin/users/${enc(ref)}/payments/${enc(p.payment_intent_id)}/refund`,
                              v,
                            ),
                          reload,
                        ),
                    },
                    'Refund',
                  )
                : '',
          ],
        ],
        payments.payments,
        'No payments.',
      ),
    ),
    section(
      'Invoices',
      table(
        'Invoices',
        [
          ['Number', (i) => text(i.number)],
          ['Date', (i) => when(i.created)],
          ['Total', (i) => money(i.total, i.currency)],
          ['Status', (i) => text(i.status)],
          [
            '',
            (i) =>
              /^https?:\/\//.test(i.hosted_invoice_url ?? '')
                ? h('a', { href: i.hosted_invoice_url, rel: 'noopener noreferrer', target: '_blank' }, 'Open')
                : '',
          ],
        ],
        invoices.invoices,
        'No invoices.',
      ),
    ),
  ];
}

function outboundSection(ref, first) {
  let events = [...first.events];
  let cursor = first.next_cursor;
  const body = h('div', {});
  const more = h('button', { type: 'button' }, 'Load more');
  const render = () => {
    body.replaceChildren(
      table(
        'Outbound events',
        [
          ['When', (e) => when(e.created_at)],
          ['Type', (e) => e.type],
          ['#', (e) => e.sequence],
          ['Event', (e) => e.id],
        ],
        events,
        'No outbound events about this customer.',
      ),
    );
    more.hidden = !cursor;
  };
  more.addEventListener('click', async () => {
    try {
      const page = await api('GET', `/admin/users/${enc(ref)}/outbound-events${q({ cursor, limit: 50 })}`);
      events = events.concat(page.events);
      cursor = page.next_cursor;
      render();
    } catch (err) {
      fail(err);
    }
  });
  render();
  return section('Outbound events', body, more);
}

async function customerView(ref) {
  const g = generation;
  const reload = () => customerView(ref);
  const d = await api('GET', `/admin/users/${enc(ref)}`);
  const u = d.user;
  const first = { entries: d.recent_ledger, next_cursor: d.ledger_next_cursor };
  const grant = h(
    'button',
    {
      type: 'button',
      onclick: () =>
        act(
          'Grant promotional credits',
          [{ name: 'amount', label: 'Credits', type: 'number', attrs: { min: 1, max: 1000000, step: 1 } }],
          (v) =>
            api('POST', `/admin/users/${enc(u.id)}/promotional-credits`, {
              amount: Number(v.amount),
              reason: v.reason,
            }),
          reload,
        ),
    },
    'Grant promotional credits',
  );
  const remove = isAdmin()
    ? h(
        'button',
        {
          type: 'button',
          className: 'danger',
          onclick: () =>
            act(
              'Remove purchased credits',
              [
                {
                  name: 'amount',
                  label: 'Credits to remove',
                  type: 'number',
                  attrs: { min: 1, max: 1000000, step: 1 },
                },
              ],
              (v) =>
                api('POST', `/admin/users/${enc(u.id)}/credits`, {
                  amount: -Number(v.amount),
                  bucket: 'purchased',
                  reason: v.reason,
                }),
              reload,
            ),
        },
        'Remove credits',
      )
    : null;
  const [outbound, grants, money_] = await Promise.all([
    api('GET', `/admin/users/${enc(u.id)}/outbound-events${q({ limit: 20 })}`),
    grantsSection(u.id, reload),
    moneySections(u.id, reload).catch((err) => [
      section('Payments', h('p', { className: 'error' }, err.message)),
    ]),
  ]);
  show(
    g,
    section(
      text(u.email ?? u.external_id ?? u.id),
      h(
        'dl',
        { className: 'facts' },
        [
          ['User id', u.id],
          ['External id', u.external_id],
          ['Issuer', u.external_issuer],
          ['Stripe customer', u.customer_id],
          ['Role', u.role],
          ['Since', when(u.created_at)],
        ].map(([k, v]) => [h('dt', {}, k), h('dd', {}, text(v))]),
      ),
    ),
    section('Balance', balance(d.credits), h('div', { className: 'buttons' }, grant, remove)),
    grants,
    subscriptionSection(u.id, d.subscription, reload),
    ledgerSection(u.id, first),
    ...money_,
    outboundSection(u.id, outbound),
  );
}

// ---- catalog ----

/** The catalog as the last sync left it: read-only (changes go through the catalog file and catalog:sync). */
async function catalogView() {
  const g = generation;
  const c = await api('GET', '/admin/catalog');
  const prices = (item) => item.prices.map((p) => money(p.unit_amount, p.currency.toUpperCase())).join(' · ');
  const common = [
    ['Name', (i) => i.name],
    ['On sale', (i) => (i.active ? 'yes' : 'no')],
    ['Credits', (i) => i.credits],
    ['Prices', prices],
  ];
  show(
    g,
    section(
      'Plans',
      table(
        'Plans',
        [
          ...common,
          ['Every', (i) => `${i.interval_count > 1 ? `${i.interval_count} ` : ''}${i.interval}`],
          ['Trial days', (i) => text(i.trial_days)],
          ['Price', (i) => i.price_id],
        ],
        c.plans,
        'No plan synced.',
      ),
    ),
    section(
      'Credit packages',
      table(
        'Credit packages',
        [
          ...common,
          [
            'Credits expire',
            (i) => (i.expires_in_days === null ? 'never' : `after ${i.expires_in_days} days`),
          ],
          ['Price', (i) => i.price_id],
        ],
        c.packages,
        'No package synced.',
      ),
    ),
  );
}

// ---- webhook inbox ----

const STATUSES = ['', 'pending', 'processing', 'processed', 'failed', 'dead', 'ignored'];

async function webhooksView(params) {
  const g = generation;
  const status = params.get('status') ?? '';
  const select = h(
    'select',
    { 'aria-label': 'Filter by status' },
    STATUSES.map((s) => h('option', { value: s, selected: s === status }, s || 'All statuses')),
  );
  select.addEventListener('change', () => {
    location.hash = `#/webhooks${q({ status: select.value })}`;
  });
  let events = [];
  let cursor = null;
  const body = h('div', {});
  const more = h('button', { type: 'button' }, 'Load more');
  const load = async () => {
    const page = await api('GET', `/admin/webhook-events${q({ status, limit: 50, cursor })}`);
    events = events.concat(page.events);
    cursor = page.next_cursor;
    more.hidden = !cursor;
    body.replaceChildren(
      table(
        'Webhook events',
        [
          ['Event', (e) => e.id],
          ['Type', (e) => e.type],
          ['Status', (e) => h('span', { className: `status ${e.status}` }, e.status)],
          ['Attempts', (e) => e.attempts],
          ['Error', (e) => text(e.last_error)],
          ['Received', (e) => when(e.received_at)],
          [
            '',
            (e) =>
              e.status === 'failed' || e.status === 'dead'
                ? h(
                    'button',
                    {
                      type: 'button',
                      onclick: () =>
                        act(
                          `Retry ${e.id}`,
                          [],
                          (v) => api('POST', `/admin/webhook-events/${enc(e.id)}/retry`, v),
                          () => webhooksView(params),
                        ),
                    },
                    'Retry',
                  )
                : '',
          ],
        ],
        events,
        'No events.',
      ),
    );
  };
  more.addEventListener('click', () => load().catch(fail));
  await load();
  show(g, section('Webhook inbox', h('div', { className: 'filters' }, select), body, more));
}

// ---- outbound deliveries ----

async function deliveriesView() {
  const g = generation;
  const { endpoints } = await api('GET', '/admin/webhook-endpoints');
  const blocks = await Promise.all(
    endpoints.map(async (ep) => {
      const { deliveries } = await api(
        'GET',
        `/admin/webhook-endpoints/${enc(ep.id)}/deliveries${q({ limit: 50 })}`,
      );
      return section(
        `${ep.url}${ep.enabled ? '' : ' (disabled)'}`,
        table(
          'Deliveries',
          [
            ['Event', (d) => d.event_id],
            ['Type', (d) => d.event_type],
            ['Status', (d) => h('span', { className: `status ${d.status}` }, d.status)],
            ['Attempts', (d) => d.attempts],
            ['Last answer', (d) => text(d.last_status_code ?? d.last_error)],
            ['Created', (d) => when(d.created_at)],
            [
              '',
              (d) =>
                h(
                  'button',
                  {
                    type: 'button',
                    onclick: () =>
                      act(
                        `Replay ${d.event_id}`,
                        [],
                        (v) =>
                          api('POST', `/admin/webhook-endpoints/${enc(ep.id)}/replay`, {
                            event_id: d.event_id,
                            ...v,
                          }),
                        deliveriesView,
                      ),
                  },
                  'Replay',
                ),
            ],
          ],
          deliveries,
          'No deliveries yet.',
        ),
      );
    }),
  );
  show(
    g,
    section(
      'Outbound endpoints and deliveries',
      endpoints.length ? blocks : h('p', { className: 'empty' }, 'No endpoints.'),
    ),
  );
}

// ---- audit log ----

async function auditView() {
  const g = generation;
  let cursor = null;
  let entries = [];
  const body = h('div', {});
  const more = h('button', { type: 'button' }, 'Load more');
  const load = async () => {
    const page = await api('GET', `/admin/audit-log${q({ cursor, limit: 50 })}`);
    entries = entries.concat(page.entries);
    cursor = page.next_cursor;
    more.hidden = !cursor;
    body.replaceChildren(
      table(
        'Audit log',
        [
          ['When', (e) => when(e.occurred_at)],
          [
            'Who',
            (e) => (e.actor.type === 'api_key' ? `${text(e.actor.label)} (API key)` : text(e.actor.label)),
          ],
          ['Action', (e) => e.action],
          [
            'Target',
            (e) =>
              Object.entries(e.target)
                .map(([k, v]) => `${k}=${v}`)
                .join(' '),
          ],
          ['Reason', (e) => text(e.reason)],
          ['Status', (e) => e.status],
        ],
        entries,
        'Nothing recorded yet.',
      ),
    );
  };
  more.addEventListener('click', () => load().catch(fail));
  show(g, section('Audit log', body, more));
  await load();
}

// ---- API keys (admin) ----

async function keysView() {
  const g = generation;
  const { api_keys: keys } = await api('GET', '/admin/api-keys');
  show(
    g,
    section(
      'API keys',
      h('p', { className: 'note' }, 'Secrets are shown once, when a key is created; here only their prefix.'),
      table(
        'API keys',
        [
          ['Name', (k) => k.name],
          ['Prefix', (k) => k.prefix],
          ['Scopes', (k) => k.scopes.join(', ')],
          ['Last used', (k) => when(k.last_used_at)],
          ['Revoked', (k) => when(k.revoked_at)],
          [
            '',
            (k) =>
              k.revoked_at
                ? ''
                : h(
                    'button',
                    {
                      type: 'button',
                      className: 'danger',
                      onclick: () =>
                        act(
                          `Revoke ${k.name}`,
                          [],
                          (v) => api('DELETE', `/admin/api-keys/${enc(k.id)}`, v),
                          keysView,
                        ),
                    },
                    'Revoke',
                  ),
          ],
        ],
        keys,
        'No API keys.',
      ),
    ),
  );
}

// ---- router ----

async function route() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  if (path === '/oidc') return idpReturn(params);
  if (!signedIn() || !me) return loginView();
  generation += 1;
  const parts = path.split('/').filter(Boolean);
  errorBox.textContent = '';
  for (const a of document.querySelectorAll('#nav a')) {
    a.toggleAttribute('aria-current', a.getAttribute('href') === `#/${parts[0] ?? ''}`);
  }
  try {
    if (parts[0] === 'customers' && parts[1]) await customerView(decodeURIComponent(parts[1]));
    else if (parts[0] === 'customers') await customersView(params);
    else if (parts[0] === 'webhooks') await webhooksView(params);
    else if (parts[0] === 'deliveries') await deliveriesView();
    else if (parts[0] === 'audit') await auditView();
    else if (parts[0] === 'catalog') await catalogView();
    else if (parts[0] === 'keys') await keysView();
    else await dashboardView();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      signOut();
      me = null;
      chrome();
      loginView();
    }
    fail(err);
  }
}

window.addEventListener('hashchange', () => {
  flashBox.textContent = '';
  void route();
});
void route();
