// Browser tests drive Debian's Chromium through playwright-core (no browser download: this
// machine's network reaches only the package registries). They live in their own jest project,
// `browser`, so `npm test` still runs where Chromium is not installed: there each browser suite is
// reported as skipped, with the reason printed once. In CI (CI=true) a missing Chromium is a failure,
// never a skip: `.ci/run` installs it.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether this machine can run the browser tests, and if not, why. */
export function browserAvailability(): { ok: true } | { ok: false; reason: string } {
  if (existsSync(CHROMIUM_PATH)) return { ok: true };
  return { ok: false, reason: `Chromium is not installed at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)` };
}

let warned = false;

/** `describe` when Chromium is there; otherwise the suite is skipped and the reason printed once. */
export function describeInBrowser(name: string, body: () => void): void {
  const availability = browserAvailability();
  if (availability.ok) {
    describe(name, body);
    return;
  }
  if (process.env.CI) throw new Error(`browser tests cannot run in CI: ${availability.reason}`);
  if (!warned) {
    warned = true;
    process.stderr.write(`\nbrowser tests skipped: ${availability.reason}\n`);
  }
  describe.skip(`${name} (skipped: ${availability.reason})`, body);
}

/** Headless Chromium as this machine allows it: no sandbox (root), no GPU, no background network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
