import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { provisionTools } from '../../devtools/localServices';

/** Debian's Chromium (provisioned by scripts/provision.sh chromium), headless, driven by Playwright. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = provisionTools('chromium').chromium;
  if (!executablePath) throw new Error('provisioning yielded no Chromium');
  // Root (CI, containers) cannot use Chromium's own sandbox; the test pages are our own.
  return chromium.launch({ executablePath, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
}

/** Where screenshots go: .run/screenshots, or SENDFLOW_SCREENSHOT_DIR (docs/console refreshes the README's). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.SENDFLOW_SCREENSHOT_DIR ?? path.join(__dirname, '..', '..', '.run', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: false });
}

/** Signs in through the console's own form with an API key. */
export async function signIn(page: Page, baseUrl: string, key: string): Promise<void> {
  await page.goto(`${baseUrl}/console`);
  await page.fill('input[name=key]', key);
  await page.click('button[type=submit]');
  await page.waitForSelector('header nav');
}
