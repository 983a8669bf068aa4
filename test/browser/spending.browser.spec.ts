import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { appConfig, type AppConfig } from '../../src/config/app.config';
import { createTestApp, type TestApp, waitFor } from '../support/test-app';

const SHOTS = join(__dirname, '../../test-results/spending');
const TIMEOUT = { timeout: 15_000 };

/** playwright-core has no expect: wait (with a deadline) until the locator's text has `text`. */
async function sees(locator: Locator, text: string): Promise<void> {
  await waitFor(
    async () => ((await locator.first().textContent({ timeout: 1000 })) ?? '').includes(text),
    `"${text}" in ${String(locator)}`,
    TIMEOUT.timeout,
  );
}

/**
 * The demo's Spending panel in Debian's Chromium, against the real app and the emulator's hosted pages: a
 * low-balance alert and a daily limit, auto top-up bought when spending crosses its threshold (the balance goes
 * up, a grant appears), then a 3-D Secure card: the panel asks for the bank's step, the confirm page takes the
 * customer through it, and the credits arrive.
 */
describe('demo spending panel (browser)', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  let step = 0;
  const shot = async (name: string) => {
    step += 1;
    await page.screenshot({
      path: join(SHOTS, `${String(step).padStart(2, '0')}-${name}.png`),
      fullPage: true,
    });
  };
  const spending = () => page.locator('#spending');
  const total = () => page.locator('#total-credits');

  beforeAll(async () => {
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    t = await createTestApp({ env: { DEMO_TIME_TRAVEL: 'true', AUTO_TOP_UP_WORKER_INTERVAL_MS: '100' } });
    t.app.get<AppConfig>(appConfig.KEY).frontendUrl = `${t.url}/demo`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  });
  afterEach(async () => {
    await page?.screenshot({ path: join(SHOTS, 'last.png'), fullPage: true });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await t?.close();
  });

  const pay = async (card: string, button: RegExp) => {
    await page.waitForURL(/\/checkout\//, TIMEOUT);
    await page.getByLabel('Card number').fill(card);
    await page.getByRole('button', { name: button }).click();
  };

  it('sets an alert, a daily limit and auto top-up; a top-up arrives; a 3-D Secure one is confirmed by the customer', async () => {
    await page.goto(`${t.url}/demo`);
    await page.getByLabel('Email').fill(`spend-${Date.now()}@tollgate.test`);
    await page.getByLabel(/^Password/).fill('correct horse battery');
    await page.getByRole('button', { name: 'Register' }).click();
    await sees(page.locator('#saved-card'), 'No saved card');

    // Without a saved card auto top-up cannot be turned on: the API's message, next to the button.
    await page.getByRole('button', { name: 'Save auto top-up' }).click();
    await sees(spending().locator('.action-error'), 'card');
    await shot('no-card');

    // A pack bought at checkout keeps its card for later.
    await page.getByRole('button', { name: 'Buy 100 Credits' }).click();
    await pay('4242 4242 4242 4242', /pay/i);
    await sees(page.locator('#return-text'), 'Credits added');
    await sees(page.locator('#saved-card'), '•••• 4242');
    await sees(total(), '100');

    await page.getByLabel('Alert when the balance falls to (credits)').fill('30');
    await page.getByLabel('Daily usage limit (credits a UTC day, empty: none)').fill('500');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await sees(page.locator('#limits-status'), 'Alert at 30 credits; at most 500 credits a day.');

    await page.getByLabel('Pack to buy').selectOption({ label: '100 Credits (19.99 USD)' });
    await page.getByLabel('When the balance falls below (credits)').fill('95');
    await page.getByLabel('At most this many a month').fill('5');
    await page.getByRole('button', { name: 'Save auto top-up' }).click();
    await sees(
      page.locator('#top-up-status'),
      'On: buys 100 Credits (19.99 USD) when your balance falls below 95',
    );
    await shot('controls-set');

    // 100 → 90 crosses 95: the pack is bought with the saved card and arrives without a reload.
    await page.getByRole('button', { name: 'Spend 10 credits' }).click();
    await sees(page.locator('#flash'), 'Auto top-up: your pack arrived. You now have 190 credits.');
    await sees(total(), '190');
    await waitFor(
      async () => (await page.locator('#grants tr', { hasText: 'purchased' }).count()) === 2,
      'the top-up grant',
    );
    await sees(page.locator('#ledger'), '+100');
    await shot('top-up-arrived');

    // A card that needs 3-D Secure, saved through a setup-mode Checkout.
    await page.getByRole('button', { name: 'Use another card' }).click();
    await pay('4000 0027 6000 3184', /save card/i);
    await page.waitForURL(/\/demo/, TIMEOUT);
    await sees(page.locator('#flash'), 'Card saved: visa •••• 3184');
    await sees(page.locator('#saved-card'), 'Visa •••• 3184');
    await page.getByLabel('When the balance falls below (credits)').fill('185');
    await page.getByRole('button', { name: 'Save auto top-up' }).click();
    await sees(page.locator('#top-up-status'), 'falls below 185');

    // 190 → 180: the off-session payment needs the customer; nothing is granted yet.
    await page.getByRole('button', { name: 'Spend 10 credits' }).click();
    await sees(
      page.locator('#top-up-action'),
      'Your bank wants you to confirm the top-up of $19.99 (100 credits)',
    );
    await sees(total(), '180');
    await shot('needs-authentication');

    await page.getByRole('link', { name: 'Confirm the payment' }).click();
    await sees(page.locator('#confirm-text'), 'needs you to confirm it with your bank');
    await shot('confirm-page');
    await page.getByRole('button', { name: 'Confirm payment' }).click();
    await page.waitForURL(/\/authenticate\//, TIMEOUT);
    await shot('bank-step');
    await page.getByRole('button', { name: 'Complete authentication' }).click();
    await sees(page.locator('#confirm-text'), 'Top-up complete: credits added. You now have 280 credits.');
    await sees(total(), '280');
    expect(await page.locator('#top-up-action').isHidden()).toBe(true);
    await waitFor(
      async () => (await page.locator('#grants tr', { hasText: 'purchased' }).count()) === 3,
      'the confirmed top-up grant',
    );
    await shot('authenticated-top-up-arrived');

    // The daily limit: 20 credits spent today; at 30 a day the next 10 fit, the 10 after are refused whole.
    await page.getByLabel('Daily usage limit (credits a UTC day, empty: none)').fill('30');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await sees(page.locator('#limits-status'), 'at most 30 credits a day');
    await page.getByRole('button', { name: 'Spend 10 credits' }).click();
    await sees(total(), '270');
    expect(await page.locator('#confirm').isHidden()).toBe(true); // the finished confirmation steps aside
    await page.getByRole('button', { name: 'Spend 10 credits' }).click();
    await sees(
      spending().locator('.action-error'),
      'Usage limit reached: 30 of 30 credits used today; nothing was spent.',
    );
    await sees(total(), '270');
    await shot('daily-limit-reached');
  }, 180_000);
});
