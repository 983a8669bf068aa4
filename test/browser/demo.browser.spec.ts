import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { ERROR_CATALOGUE, type ErrorCode } from '../../src/common/errors/error-codes';
import { appConfig, type AppConfig } from '../../src/config/app.config';
import { createTestApp, type TestApp, waitFor } from '../support/test-app';

const SHOTS = join(__dirname, '../../test-results/demo');
const TIMEOUT = { timeout: 15_000 };

/** playwright-core has no expect: wait (with a deadline) until the locator's text has / is `text`. */
async function sees(locator: Locator, text: string, exact = false): Promise<void> {
  await waitFor(
    async () => {
      const seen = (await locator.first().textContent({ timeout: 1000 }))?.trim() ?? '';
      return exact ? seen === text : seen.includes(text);
    },
    `${exact ? 'exactly ' : ''}"${text}" in ${String(locator)}`,
    TIMEOUT.timeout,
  );
}

/**
 * The demo page in Debian's Chromium, end to end against the real app and the built-in emulator's hosted pages:
 * register → subscribe (trial, monthly credits) → spend → buy a pack → declined card → renewal → cancel/resume.
 */
describe('demo page (browser)', () => {
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

  beforeAll(async () => {
    rmSync(SHOTS, { recursive: true, force: true }); // this run's screenshots only
    mkdirSync(SHOTS, { recursive: true });
    t = await createTestApp({ env: { DEMO_TIME_TRAVEL: 'true' } });
    // The port is chosen at listen time; FRONTEND_URL's development default (the demo) names PORT, so point it here.
    t.app.get<AppConfig>(appConfig.KEY).frontendUrl = `${t.url}/demo`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 390, height: 844 } }); // phone width
  });
  afterEach(async () => {
    await page?.screenshot({ path: join(SHOTS, 'last.png'), fullPage: true }); // what the page showed at the end
  });
  afterAll(async () => {
    await browser?.close();
    await t?.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await t?.close();
  });

  const pay = async (card: string) => {
    await page.waitForURL(/\/checkout\//, TIMEOUT);
    await page.getByLabel('Card number').fill(card);
    await page.getByRole('button', { name: /pay|subscribe|start/i }).click();
  };
  const credits = (id: string) => page.locator(`#${id}`);

  it('walks the spec frontend flow on the emulator', async () => {
    await page.goto(`${t.url}/demo`);
    await page.getByLabel('Email').fill(`demo-${Date.now()}@tollgate.test`);
    await page.getByLabel(/^Password/).fill('correct horse battery');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByText('No subscription yet').waitFor(TIMEOUT);
    await page.getByText('14-day free trial').first().waitFor(TIMEOUT);
    await shot('registered');

    // No credits yet: a 402 is shown as "out of credits" with a link to buy more.
    await page.getByRole('button', { name: 'Use a credit' }).click();
    await sees(page.locator('#out-of-credits'), 'Out of credits.');
    await page.getByRole('link', { name: 'Buy more credits' }).waitFor(TIMEOUT);
    await shot('out-of-credits');

    await page.getByRole('button', { name: 'Subscribe to Pro Plan' }).click();
    await pay('4242 4242 4242 4242');
    await page.waitForURL(/\/demo/, TIMEOUT);
    await sees(page.locator('#return-text'), 'free trial started');
    await sees(page.locator('#sub-status'), 'trialing', true);
    await sees(page.locator('#trial'), 'Free trial until');
    await sees(credits('monthly-credits'), '100', true);
    // The current plan is marked; another offers a switch with its prorated preview.
    await sees(page.locator('#plans li.current'), 'Current plan');
    await sees(page.locator('#plans li.current'), 'Pro Plan');
    await page
      .getByRole('button', { name: /^Switch to / })
      .first()
      .click();
    await sees(page.locator('#plans .preview'), 'next invoice:');
    // A refresh of the page's data (as the return from checkout does once the purchase is applied) keeps the
    // preview the user opened: the catalog re-renders only when it changed.
    await page.locator('#app:not([aria-busy])').waitFor(TIMEOUT);
    await page.evaluate(`{
      document.getElementById('token').value = localStorage.getItem('tollgate.demo.token') ?? '';
      document.getElementById('token-form').requestSubmit();
    }`);
    await page.locator('#app:not([aria-busy])').waitFor(TIMEOUT); // the refresh has finished
    await sees(page.locator('#plans .preview'), 'next invoice:');
    await shot('subscribed-trial');

    await page.getByRole('button', { name: 'Use a credit' }).click();
    await sees(credits('monthly-credits'), '99', true);
    await sees(page.locator('#ledger'), '-1');
    await sees(page.locator('#ledger-total'), 'Total balance: 99 credits', true);
    await shot('spent-one');

    await page.getByRole('button', { name: 'Buy 100 Credits' }).click();
    await pay('4242 4242 4242 4242');
    await sees(page.locator('#return-text'), 'Credits added');
    await sees(credits('purchased-credits'), '100', true);
    // Each grant with its expiry: the trial period's allowance expires, the pack never does.
    await sees(page.locator('#grants tr', { hasText: 'purchased' }), 'never');
    const monthly = page.locator('#grants tr', { hasText: 'monthly' });
    await sees(monthly, '99');
    expect(await monthly.textContent()).not.toContain('never');
    await shot('bought-pack');

    await page.getByRole('button', { name: 'Buy 100 Credits' }).click();
    await pay('4000 0000 0000 0002');
    await sees(page.getByRole('alert'), 'Your card was declined.');
    expect(await page.getByLabel('Card number').inputValue()).toBe('4000 0000 0000 0002');
    await shot('declined-on-checkout');
    await page.getByRole('link', { name: 'Cancel and go back' }).click();
    await sees(
      page.locator('#return-text'),
      'Your card was declined. Please try a different payment method. You were not charged.',
    );
    await sees(credits('purchased-credits'), '100', true);
    await shot('declined-back-on-demo');

    // The page's fallback table of the spec's messages says exactly what the API says.
    const table = await page.evaluate<Record<string, string>>(
      "import('/demo/assets/messages.js').then((m) => m.MESSAGES)",
    );
    for (const [code, message] of Object.entries(table)) {
      expect(message).toBe(ERROR_CATALOGUE[code as ErrorCode].message);
    }
    expect(Object.keys(table)).toEqual(
      expect.arrayContaining(['CARD_DECLINED', 'INSUFFICIENT_FUNDS', 'EXPIRED_CARD', 'PROCESSING_ERROR']),
    );

    await page.getByRole('button', { name: 'Advance to next renewal' }).click();
    await sees(page.locator('#flash'), 'Advanced your billing clock past the next renewal');
    await sees(page.locator('#sub-status'), 'active', true);
    await sees(credits('monthly-credits'), '100', true);
    await sees(credits('purchased-credits'), '100', true);
    await shot('renewed-allowance-reset');

    await page.getByRole('button', { name: 'Cancel at period end' }).click();
    await sees(page.locator('#renewal'), 'Cancels on');
    await shot('canceled');
    await page.getByRole('button', { name: 'Resume' }).click();
    await sees(page.locator('#renewal'), 'Renews on');
    await shot('resumed');

    // The billing portal (the emulator's hosted page) returns to the demo.
    await page.getByRole('button', { name: 'Billing portal' }).click();
    await page.waitForURL(/\/billing\//, TIMEOUT);
    await shot('billing-portal');
    await page.getByRole('link', { name: 'Return' }).click();
    await page.waitForURL(/\/demo\/account$/, TIMEOUT);
    await sees(page.locator('#sub-status'), 'active', true);

    await page.getByRole('button', { name: 'Refund last pack' }).click();
    await sees(credits('purchased-credits'), '0', true);
    await shot('refunded');

    // The same page at desktop width (the README's screenshot comes from here).
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(SHOTS, 'desktop.png') });
    // The whole journey (a dozen pages, each waiting on the emulator's webhooks): more than one test's 60 s when
    // it shares the machine with the other test worker.
  }, 180_000);
});
