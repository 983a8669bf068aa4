import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, screenshots, sees } from '../support/chromium';
import { appConfig, type AppConfig } from '../../src/config/app.config';
import { createTestApp, type TestApp, waitFor } from '../support/test-app';

const TIMEOUT = { timeout: 15_000 };

/**
 * Overage in the demo, in Debian's Chromium against the real app and the emulator's hosted checkout: the Business
 * Plan without its trial (overage runs in a paid period), spending past the 500 monthly credits shows the period's
 * overage and what it costs, and "Advance to next renewal" passes the renewal invoice's draft hour, so the
 * invoice is charged with the overage line: the period's overage credits at 2 cents per 100.
 */
describe('demo overage panel and the renewal invoice (browser)', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  const shots = screenshots(join(__dirname, '../../test-results/overage'), () => page);
  const panel = () => page.locator('#overage');

  beforeAll(async () => {
    t = await createTestApp({ env: { DEMO_TIME_TRAVEL: 'true' } });
    t.app.get<AppConfig>(appConfig.KEY).frontendUrl = `${t.url}/demo`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1000, height: 900 }, locale: 'en-US' });
  });
  afterEach(async () => {
    if (page) await shots.last();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await t?.close();
  });

  it('spends past the credits on the Business Plan, shows the overage, and the renewal invoice bills it', async () => {
    await page.goto(`${t.url}/demo`);
    await page.getByLabel('Email').fill(`overage-${Date.now()}@tollgate.test`);
    await page.getByLabel(/^Password/).fill('correct horse battery');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByText('No subscription yet').waitFor(TIMEOUT);

    // Overage runs in a paid period: no trial for this subscription.
    await page.getByRole('button', { name: 'Skip the free trial' }).click();
    await sees(page.locator('#flash'), 'without the free trial');
    await page.getByRole('button', { name: 'Subscribe to Business Plan' }).click();
    await page.waitForURL(/\/checkout\//, TIMEOUT);
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByRole('button', { name: /pay|subscribe|start/i }).click();
    await sees(page.locator('#return-text'), 'Subscribed. You now have 500 credits.');
    await sees(page.locator('#sub-status'), 'active');
    await sees(panel(), 'Past your credits: 0 of 5,000 overage credits this period · $0.00 due at renewal');
    await shots.page('subscribed-no-trial');

    // 1,000 then 100: 500 from the monthly credits, 600 past them.
    await page.getByRole('button', { name: 'Spend 1,000 credits' }).click();
    await sees(page.locator('#flash'), 'Spent 1,000 credits: 0 left; 500 of them past your credits');
    await page.getByRole('button', { name: 'Spend 100 credits' }).click();
    await sees(page.locator('#flash'), 'Spent 100 credits: 0 left; 100 of them past your credits');
    await sees(panel(), 'Past your credits: 600 of 5,000 overage credits this period · $0.12 due at renewal');
    await sees(panel(), '(period ends ');
    await sees(page.locator('#total-credits'), '0');
    await sees(page.locator('#ledger-total'), 'Total balance: 0 credits');
    const overageRows = page.locator('#ledger tr.overage-row');
    await waitFor(async () => (await overageRows.count()) === 2, 'two overage rows in the history');
    await sees(overageRows.first(), '600 this period, billed at renewal');
    await shots.page('overage-accrued');
    await shots.of(panel(), 'overage-panel');

    // The renewal: the draft hour passes once Tollgate has sent the period's meter reports.
    await page.getByRole('button', { name: 'Advance to next renewal' }).click();
    await sees(page.locator('#flash'), "the renewal invoice is charged with the period's overage", 45_000);
    const renewal = page.locator('#invoices .invoice', { hasText: 'Renewal' });
    await sees(renewal, 'paid');
    await sees(renewal, '$80.11'); // $79.99 for the next month + $0.12 of overage
    const planLine = renewal.locator('tbody tr', { hasNotText: 'overage' });
    await sees(planLine, '1 × Business Plan');
    await sees(planLine, '$79.99');
    const line = renewal.locator('tbody tr.overage-row');
    await sees(line, 'overage');
    const cells = await line.locator('td').allTextContents();
    expect(cells.slice(2)).toEqual(['600', '$0.12']);
    await sees(page.locator('#monthly-credits'), '500');
    await shots.page('renewal-invoice');
    await shots.of(page.locator('#subscription').locator('..'), 'subscription-section');
  }, 180_000);
});
