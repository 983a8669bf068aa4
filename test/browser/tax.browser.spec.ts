import type { Browser, Page } from 'playwright-core';
import { appConfig, type AppConfig } from '../../src/config/app.config';
import { launchChromium } from '../support/chromium';
import { createTestApp, type TestApp, waitFor } from '../support/test-app';

const TIMEOUT = { timeout: 15_000 };

/**
 * With STRIPE_AUTOMATIC_TAX on, in Debian's Chromium: the demo buys the 100-credit pack on the emulator's hosted
 * page, which asks for the billing address and shows the VAT; the receipt on the demo shows it, credits are 100.
 */
describe('taxed pack on the hosted checkout page (browser)', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    t = await createTestApp({ env: { STRIPE_AUTOMATIC_TAX: 'true' } });
    t.app.get<AppConfig>(appConfig.KEY).frontendUrl = `${t.url}/demo`;
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.emulator.whenDeliveriesSettled(15_000).catch(() => undefined);
    await t?.close();
  });

  const text = (selector: string) => page.locator(selector).first().textContent({ timeout: 1000 });

  it('pays 100 credits plus 19% VAT with a Berlin address and shows a taxed receipt', async () => {
    await page.goto(`${t.url}/demo`);
    await page.getByLabel('Email').fill(`tax-${Date.now()}@tollgate.test`);
    await page.getByLabel(/^Password/).fill('correct horse battery');
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByRole('button', { name: 'Buy 100 Credits' }).click();

    await page.waitForURL(/\/checkout\//, TIMEOUT);
    await page.getByText('Tax: calculated from your billing address').waitFor(TIMEOUT);
    // Paying without an address is refused by the page, which asks for it.
    await page.getByRole('button', { name: 'Pay' }).click();
    await page.getByRole('alert').getByText('billing address').waitFor(TIMEOUT);
    await page.getByLabel('Name').fill('Erika Mustermann');
    await page.getByLabel('Address').fill('Unter den Linden 1');
    await page.getByLabel('City').fill('Berlin');
    await page.getByLabel('Postal code').fill('10115');
    await page.getByLabel('Country (2 letters)').fill('DE');
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByRole('button', { name: 'Pay' }).click();

    await page.waitForURL(/\/demo/, TIMEOUT);
    await waitFor(
      async () => (await text('#return-text'))?.includes('Credits added'),
      'credits added',
      15_000,
    );
    const receipt = await waitFor(async () => {
      const seen = await text('#receipt');
      return seen?.includes('Total paid') ? seen : undefined;
    }, 'the receipt');
    expect(receipt).toContain('VAT 19% (DE)');
    expect(receipt).toMatch(/Subtotal\s*\$19\.99/);
    expect(receipt).toMatch(/\$3\.80/);
    expect(receipt).toMatch(/Total paid\s*\$23\.79/);
    expect(await text('#return-text')).toContain('You now have 100 credits');
  });
});
