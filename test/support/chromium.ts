import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { waitFor } from './test-app';

/** Debian's Chromium (`apt-get install -y chromium`, which .ci/run does); never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless Chromium through playwright-core, with the flags a sandbox-less CI machine needs. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** playwright-core has no expect: wait (with a deadline) until the locator's text has `text`. */
export async function sees(locator: Locator, text: string, timeoutMs = 15_000): Promise<void> {
  await waitFor(
    async () => ((await locator.first().textContent({ timeout: 1000 })) ?? '').includes(text),
    `"${text}" in ${String(locator)}`,
    timeoutMs,
  );
}

/** A spec's numbered full-page screenshots in `dir` (emptied first: this run's only), `last.png` for the end. */
export function screenshots(dir: string, page: () => Page) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let step = 0;
  const path = (name: string) => join(dir, `${String(step).padStart(2, '0')}-${name}.png`);
  return {
    /** The whole page, as the next step. */
    page: async (name: string) => {
      step += 1;
      await page().screenshot({ path: path(name), fullPage: true });
    },
    /** One element, numbered with the last step. */
    of: (locator: Locator, name: string) => locator.screenshot({ path: path(name) }),
    last: () => page().screenshot({ path: join(dir, 'last.png'), fullPage: true }),
  };
}
