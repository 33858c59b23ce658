import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`); playwright cannot download a browser here. */
export const CHROMIUM = '/usr/bin/chromium';

/** Whether a browser is installed; a suite without one is skipped with a line saying why. */
export function browserAvailable(suite: string): boolean {
  const available = existsSync(CHROMIUM);
  if (!available) console.log(`[${suite}] skipped: no browser at ${CHROMIUM}`);
  return available;
}

/** Headless Chromium with nothing running in the background (no updates, sync or network probes). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}
