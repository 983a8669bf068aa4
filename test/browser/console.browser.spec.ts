import { readdirSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Locator, Page } from 'playwright-core';
import { CheckoutFulfilmentService } from '../../src/payments/checkout-fulfilment.service';
import { UsersService } from '../../src/users/users.service';
import { registerUser, type TestUser } from '../factories/user.factory';
import { launchChromium } from '../support/chromium';
import {
  catalogPrice,
  createPackCheckout,
  credits,
  eventStatus,
  ledgerReasons,
  waitForCredits,
} from '../support/stripe-helpers';
import { TestIdentityProvider } from '../support/jwks-server';
import { createTestApp, freePort, type TestApp, waitFor } from '../support/test-app';

const SHOTS = join(__dirname, '../../test-results/console');
const CONSOLE_DIR = join(__dirname, '../../console');
const TIMEOUT = { timeout: 15_000 };
const LIMIT = 100;
const PASSWORD = 'correct horse battery';

async function sees(locator: Locator, text: string): Promise<void> {
  await waitFor(
    async () => ((await locator.first().textContent({ timeout: 1000 })) ?? '').includes(text),
    `"${text}" in ${String(locator)}`,
    TIMEOUT.timeout,
  );
}

/**
 * The operator console in Debian's Chromium against the real app: a support user (phone width) finds a customer,
 * reads balance and ledger, grants within the limit and is refused above it, and has no refund; an admin (laptop
 * width) refunds a pack and sees the clawback and the audit row; a plain user cannot get in. No request leaves
 * the host.
 */
describe('operator console (browser)', () => {
  let t: TestApp;
  let browser: Browser;
  let admin: TestUser;
  let support: TestUser;
  let customer: TestUser;
  const foreign: string[] = [];
  const idp = new TestIdentityProvider();

  const open = async (width: number, height: number): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width, height } });
    page.on('request', (req) => {
      // The one navigation allowed elsewhere: the operator's own sign-in page at the identity provider.
      const toIdp = req.isNavigationRequest() && req.url().startsWith(`${idp.issuer}/authorize?`);
      if (!req.url().startsWith(t.url) && !toIdp) foreign.push(req.url());
    });
    return page;
  };
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  const signIn = async (page: Page, user: TestUser) => {
    await page.goto(`${t.url}/console`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  const confirm = async (page: Page, reason: string, fields: Record<string, string> = {}) => {
    const dialog = page.locator('dialog[open]');
    for (const [label, value] of Object.entries(fields)) await dialog.getByLabel(label).fill(value);
    await dialog.getByLabel(/^Reason/).fill(reason);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
  };
  const figure = (page: Page, id: string) => page.locator(`[data-figure="${id}"] b`);

  beforeAll(async () => {
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    await idp.start();
    await idp.addKey('rsa-1', 'RS256');
    idp.tokenKid = 'rsa-1';
    const port = await freePort();
    t = await createTestApp({
      port,
      env: {
        CONSOLE_SUPPORT_GRANT_LIMIT: String(LIMIT),
        WEBHOOK_MAX_ATTEMPTS: '2',
        AUTH_ISSUER: idp.issuer,
        AUTH_AUDIENCE: 'tollgate-api',
        CONSOLE_OIDC_CLIENT_ID: idp.client.id,
        CONSOLE_OIDC_CLIENT_SECRET: idp.client.secret!,
        CONSOLE_OIDC_REDIRECT_URL: `http://127.0.0.1:${port}/console/auth/oidc/callback`,
      },
    });
    admin = await registerUser(t, 'admin@tollgate.test');
    support = await registerUser(t);
    await t.app.get(UsersService).setRole(support.email, 'support');
    customer = await registerUser(t);
    const pack = await catalogPrice(t, 'one_time', '100 Credits');
    expect(await t.emulator.completeCheckout(await createPackCheckout(t, customer, pack))).toEqual({
      ok: true,
    });
    await waitForCredits(t, customer, 100);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await t?.close();
    await idp.stop();
  });

  it('a support user finds a customer by email, reads balance and ledger, grants within the limit only, cannot refund', async () => {
    const page = await open(390, 844); // phone
    await signIn(page, support);
    await sees(page.locator('#who'), `${support.email} (support)`);
    await figure(page, 'credits_granted').waitFor(TIMEOUT);
    await shot(page, 'dashboard-phone');
    expect(await page.getByRole('link', { name: 'API keys' }).isHidden()).toBe(true);

    await page.getByRole('link', { name: 'Customers' }).click();
    await page.getByLabel('Find a customer').fill(customer.email);
    await page.getByRole('button', { name: 'Find' }).click();
    await sees(figure(page, 'purchased_credits'), '100');
    await sees(page.getByRole('table', { name: 'Ledger' }), 'purchase');
    await sees(page.getByRole('table', { name: 'Payments' }), 'Credit pack');
    await sees(page.getByRole('table', { name: 'Outbound events' }), 'credits.granted');
    expect(await page.getByRole('button', { name: 'Refund' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Void grant / }).count()).toBe(0);
    await shot(page, 'customer-support-phone');

    await page.getByRole('button', { name: 'Grant promotional credits' }).click();
    await confirm(page, 'ticket #1 goodwill', { Credits: String(LIMIT) });
    await sees(page.locator('#flash'), 'Grant promotional credits: done.');
    await sees(figure(page, 'promotional_credits'), String(LIMIT));
    await sees(figure(page, 'purchased_credits'), '100');

    await page.getByRole('button', { name: 'Grant promotional credits' }).click();
    await confirm(page, 'ticket #2 too generous', { Credits: String(LIMIT + 1) });
    await sees(page.locator('#error'), 'GRANT_LIMIT_EXCEEDED');
    await shot(page, 'grant-refused-phone');
    expect(await credits(t, customer)).toMatchObject({ purchased_credits: 100, promotional_credits: LIMIT });

    // Refunds are the admin's: the API refuses support even without the button.
    const paymentId = (
      await t.http().get(`/admin/users/${customer.id}/payments`).set(support.auth).expect(200)
    ).body.payments[0].payment_intent_id as string;
    const refused = await page.evaluate(
      async ([url, token]) =>
        (
          await fetch(url, {
            method: 'POST',
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ reason: 'not mine to give' }),
          })
        ).status,
      [`${t.url}/admin/users/${customer.id}/payments/${paymentId}/refund`, support.token],
    );
    expect(refused).toBe(403);
    await page.close();
  });

  it('an admin refunds the pack and sees the clawback in the ledger and the audit row', async () => {
    const page = await open(1280, 900); // laptop
    await signIn(page, admin);
    await sees(page.locator('#who'), '(admin)');
    await page.goto(`${t.url}/console#/customers?q=${encodeURIComponent(customer.email)}`);
    await sees(figure(page, 'purchased_credits'), '100');
    await sees(figure(page, 'promotional_credits'), String(LIMIT));
    await shot(page, 'customer-laptop');
    await page.getByRole('button', { name: 'Refund' }).click();
    await confirm(page, 'customer asked, ticket #3');
    await sees(page.locator('#flash'), 'done');
    await waitFor(async () => (await ledgerReasons(t, customer)).includes('refund_clawback'), 'the clawback');
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.goto(`${t.url}/console#/customers/${customer.id}`);
    // The refund claws back the pack's own grant; the promotional grant stays.
    await sees(figure(page, 'purchased_credits'), '0');
    await sees(figure(page, 'promotional_credits'), String(LIMIT));
    await sees(page.getByRole('table', { name: 'Ledger' }), 'refund_clawback');
    await page.getByLabel('Filter by reason').selectOption('refund_clawback');
    await waitFor(
      async () => (await page.getByRole('table', { name: 'Ledger' }).locator('tbody tr').count()) === 1,
      'the ledger filtered to the clawback',
    );
    await shot(page, 'customer-after-refund-laptop');

    // Void what remains of the promotional grant: a reason, a confirmation, a grant_void row.
    const grants = page.getByRole('table', { name: 'Live grants' });
    await sees(grants, String(LIMIT));
    await page
      .getByRole('button', { name: /^Void grant / })
      .first()
      .click();
    await confirm(page, 'granted to the wrong account, ticket #6');
    await sees(page.locator('#flash'), 'done');
    await sees(figure(page, 'promotional_credits'), '0');
    await sees(page.getByRole('table', { name: 'Ledger' }), 'grant_void');
    await sees(page.locator('main'), 'No live grants.');
    expect(await credits(t, customer)).toMatchObject({ promotional_credits: 0, total_credits: 0 });
    await shot(page, 'customer-after-void-laptop');

    await page.getByRole('link', { name: 'Catalog' }).click();
    await sees(page.getByRole('table', { name: 'Plans' }), 'Pro Plan');
    await sees(page.getByRole('table', { name: 'Credit packages' }), '100 Credits');
    await sees(page.getByRole('table', { name: 'Plans' }), '€27.99');
    await shot(page, 'catalog-laptop');

    await page.getByRole('link', { name: 'Audit log' }).click();
    const audit = page.getByRole('table', { name: 'Audit log' });
    await sees(audit, 'POST /admin/users/:ref/payments/:payment_intent_id/refund');
    await sees(audit, 'customer asked, ticket #3');
    await sees(audit, 'POST /admin/users/:id/grants/:grantId/void');
    await sees(audit, 'granted to the wrong account, ticket #6');
    await sees(audit, support.email); // the support grant, recorded with its actor
    await shot(page, 'audit-laptop');

    // Revoke an API key: the audit log keeps who, and why.
    const key = (
      await t
        .http()
        .post('/admin/api-keys')
        .set(admin.auth)
        .send({ name: 'old-backend', scopes: ['credits:read'] })
    ).body as { id: string; secret: string };
    await page.getByRole('link', { name: 'API keys' }).click();
    const keys = page.getByRole('table', { name: 'API keys' });
    await sees(keys, 'old-backend');
    expect(await page.locator('main').textContent()).not.toContain(key.secret);
    await page.getByRole('button', { name: 'Revoke' }).click();
    await confirm(page, 'leaked in a log, ticket #4');
    await sees(page.locator('#flash'), 'Revoke old-backend: done.');
    await t.http().get('/credits').set('Authorization', `Bearer ${key.secret}`).expect(401);
    await page.getByRole('link', { name: 'Audit log' }).click();
    await sees(page.getByRole('table', { name: 'Audit log' }), 'leaked in a log, ticket #4');

    await page.getByRole('link', { name: 'Webhook inbox' }).click();
    await sees(page.getByRole('table', { name: 'Webhook events' }), 'charge.refunded');
    await shot(page, 'webhooks-laptop');
    await page.getByRole('link', { name: 'Deliveries' }).click();
    await sees(page.locator('main'), 'Outbound endpoints and deliveries');
    await shot(page, 'deliveries-laptop');
    await page.close();
  });

  it('a dead webhook event is retried from the inbox view, and its effect lands once', async () => {
    const buyer = await registerUser(t);
    const pack = await catalogPrice(t, 'one_time', '100 Credits');
    const failing = jest
      .spyOn(t.app.get(CheckoutFulfilmentService), 'prepareCheckout')
      .mockRejectedValue(new Error('simulated outage while reading the session'));
    let eventId: string;
    try {
      const session = await createPackCheckout(t, buyer, pack);
      expect(await t.emulator.completeCheckout(session)).toEqual({ ok: true });
      eventId = await waitFor(async () => {
        const rows: Array<{ id: string }> = await t.dataSource.query(
          `SELECT id FROM webhook_events
            WHERE type = 'checkout.session.completed' AND payload->'data'->'object'->>'id' = $1`,
          [session],
        );
        return rows[0]?.id;
      }, 'the checkout event stored');
      await waitFor(async () => (await eventStatus(t, eventId))?.status === 'dead', 'the event dead', 15_000);
    } finally {
      failing.mockRestore();
    }
    expect((await credits(t, buyer)).total_credits).toBe(0);

    const page = await open(390, 844); // support, on a phone
    await signIn(page, support);
    await sees(page.locator('#who'), '(support)');
    await page.getByRole('link', { name: 'Webhook inbox' }).click();
    await page.getByLabel('Filter by status').selectOption('dead');
    const events = page.getByRole('table', { name: 'Webhook events' });
    await sees(events, eventId);
    await sees(events, 'simulated outage');
    await shot(page, 'webhook-dead-phone');
    await page.getByRole('button', { name: 'Retry' }).click();
    await confirm(page, 'outage over, ticket #9');
    await sees(page.locator('#flash'), `Retry ${eventId}: done.`);
    await waitForCredits(t, buyer, 100);
    expect((await eventStatus(t, eventId))?.status).toBe('processed');
    await page.getByLabel('Filter by status').selectOption('processed');
    await sees(page.getByRole('table', { name: 'Webhook events' }), eventId);
    await shot(page, 'webhook-retried-phone');
    await page.close();
  });

  it("an admin reads a subscribed customer's plan and periods, cancels at period end and resumes", async () => {
    const subscriber = await registerUser(t);
    const pro = await catalogPrice(t, 'subscription', 'Pro Plan');
    const created = await t
      .http()
      .post('/payments/create-checkout-session')
      .set(subscriber.auth)
      .send({ price_id: pro.priceId, product_id: pro.productId })
      .expect(200);
    expect(
      await t.emulator.completeCheckout((created.body as { session_id: string }).session_id, {
        card: '4242424242424242',
      }),
    ).toEqual({ ok: true });
    await waitFor(
      async () =>
        (await t.http().get('/payments/get-user-subscription').set(subscriber.auth).expect(200)).body
          .has_subscription === true,
      'the subscription mirrored',
    );

    const page = await open(1280, 900);
    await signIn(page, admin);
    await sees(page.locator('#who'), '(admin)');
    await page.goto(`${t.url}/console#/customers/${subscriber.id}`);
    const subscription = page.getByRole('region', { name: 'Subscription' });
    await sees(subscription, 'Pro Plan');
    await sees(subscription, 'Monthly credits100');
    await sees(figure(page, 'monthly_credits'), '100');
    await page.getByRole('button', { name: 'Cancel at period end' }).click();
    await confirm(page, 'customer leaving, ticket #5');
    await sees(page.locator('#flash'), 'done');
    await page.getByRole('button', { name: 'Resume' }).waitFor(TIMEOUT);
    await sees(subscription, 'Ends at period endyes');
    await shot(page, 'customer-subscription-laptop');
    expect(
      (await t.http().get('/payments/get-user-subscription').set(subscriber.auth).expect(200)).body
        .cancel_at_period_end,
    ).toBe(true);
    await page.getByRole('button', { name: 'Resume' }).click();
    await confirm(page, 'changed their mind');
    await page.getByRole('button', { name: 'Cancel at period end' }).waitFor(TIMEOUT);
    expect(
      (await t.http().get('/payments/get-user-subscription').set(subscriber.auth).expect(200)).body
        .cancel_at_period_end,
    ).toBe(false);
    await page.close();
  });

  it('an operator signs in with the identity provider (code exchanged by the server); a non-operator is refused', async () => {
    const subject = `idp_support_${Date.now()}`;
    await t.app.get(UsersService).setExternalRole(idp.issuer, subject, 'support');
    idp.signInAs = { sub: subject, email: 'idp-helper@example.com' };
    const page = await open(1280, 900);
    await page.goto(`${t.url}/console`);
    await shot(page, 'sign-in-laptop');
    await page.getByRole('link', { name: 'Sign in with your identity provider' }).click();
    await sees(page.locator('#who'), 'idp-helper@example.com (support)');
    expect(idp.tokenRequests.at(-1)).toBe('issued');
    expect(page.url()).toBe(`${t.url}/console#/`);
    // The session is the token in memory: no cookie is left that a cross-site request could ride on.
    expect((await page.context().cookies()).map((c) => c.name)).toEqual([]);
    await page.getByRole('link', { name: 'Customers' }).click();
    await page.getByLabel('Find a customer').fill(customer.email);
    await page.getByRole('button', { name: 'Find' }).click();
    await sees(figure(page, 'purchased_credits'), '0');
    await shot(page, 'customer-idp-support-laptop');

    idp.signInAs = { sub: `idp_user_${Date.now()}` };
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in with your identity provider' }).click();
    await sees(page.locator('#error'), 'not an operator');
    expect(await page.locator('#nav').isHidden()).toBe(true);
    await shot(page, 'idp-user-refused-laptop');
    await page.close();
  });

  it('a plain user cannot sign in to the console, nor call its API', async () => {
    const user = await registerUser(t);
    const page = await open(1280, 900);
    await signIn(page, user);
    await sees(page.locator('#error'), 'not an operator');
    expect(await page.locator('#nav').isHidden()).toBe(true);
    const status = await page.evaluate(
      async ([url, token]) => (await fetch(url, { headers: { Authorization: `Bearer ${token}` } })).status,
      [`${t.url}/admin/users?q=${encodeURIComponent(customer.email)}`, user.token],
    );
    expect(status).toBe(403);
    await shot(page, 'user-refused');
    await page.close();
  });

  it('requests nothing from another host, under a strict CSP, with at most 150 KiB of gzipped JavaScript', async () => {
    expect(foreign).toEqual([]);
    const res = await fetch(`${t.url}/console`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await res.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    const js = readdirSync(CONSOLE_DIR).filter((f) => f.endsWith('.js'));
    const gzipped = js.reduce((sum, f) => sum + gzipSync(readFileSync(join(CONSOLE_DIR, f))).length, 0);
    expect(gzipped).toBeLessThanOrEqual(150 * 1024);
  });
});
