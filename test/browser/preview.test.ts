// The preview page in a real browser (Debian's Chromium): a payment sent while the page is open
// appears without a reload, and a customer whose name is markup stays text and runs nothing.
import type { Browser, Page } from 'playwright-core';
import { systemClock } from '../../src/clock.js';
import { describeInBrowser, launchChromium } from '../support/browser.js';
import { startTestBot, type TestBot } from '../support/bot-harness.js';
import { testDatabaseSuite } from '../support/test-database.js';
import { genericPayment, postGeneric } from '../support/payment-fixtures.js';

const HOSTILE_NAMES = ['<img src=x onerror="window.__pwned=1;alert(1)">', '<script>window.__pwned=2;alert(2)</script>', '"><svg onload=alert(3)>'];

describeInBrowser('the preview page in Chromium', () => testDatabaseSuite('pglite', (database) => {
  let bot: TestBot;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];
  const consoleErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    bot = await startTestBot({ database, clock: systemClock });
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('request', (request) => requests.push(request.url()));
  });
  afterAll(async () => {
    await browser?.close();
    await bot?.stop();
  });

  const pay = async (id: string, name: string) => {
    const res = await postGeneric(bot.url, genericPayment({ id, paid_at: new Date().toISOString(), account: { external_id: id, name } }), { clock: systemClock });
    expect(res.status).toBe(200);
  };

  it('shows a payment sent while the page is open, within seconds and without a reload', async () => {
    await page.goto(`${bot.url}/preview`);
    await expect(page.locator('#messages article.msg').count()).resolves.toBe(0);
    let reloads = 0;
    page.on('framenavigated', () => (reloads += 1));

    await pay('live-1', 'Harbor Bakery');
    const card = page.locator('article.msg', { hasText: '$1,250.00 from Harbor Bakery' });
    // The contract's bound: a new message shows on an open page within 5 s.
    await card.waitFor({ state: 'visible', timeout: 5_000 });
    await expect(card.locator('.status').first().textContent()).resolves.toMatch(/^(queued|sending|sent \d\d:\d\d)$/);
    await expect(card.locator('.bk-button-primary').textContent()).resolves.toBe('Say thanks');
    expect(reloads).toBe(0);
    await expect(page.locator('#live').getAttribute('data-state')).resolves.toBe('live');
  });

  it('shows hostile names as text and runs none of them', async () => {
    for (const [n, name] of HOSTILE_NAMES.entries()) await pay(`hostile-${n}`, name);
    // Arrived through the poll, swapped in with innerHTML: the path where markup would come alive.
    for (const name of HOSTILE_NAMES) {
      const header = name.replace(/&/g, '＆').replace(/</g, '‹').replace(/>/g, '›');
      await page.locator('.bk-header', { hasText: `from ${header}` }).waitFor({ state: 'visible', timeout: 5_000 });
      await expect(page.locator('.bk-section-text b', { hasText: name }).first().textContent()).resolves.toBe(name);
    }
    // And again on a fresh load, where the server's HTML is parsed directly.
    await page.reload();
    for (const name of HOSTILE_NAMES) await expect(page.locator('.bk-section-text b', { hasText: name }).count()).resolves.toBe(1);

    expect(dialogs).toEqual([]);
    await expect(page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).resolves.toBeUndefined();
    await expect(page.locator('#feed img, #feed script, #feed svg, #feed [onerror], #feed [onload]').count()).resolves.toBe(0);
    // Nothing tried to load "x" (the onerror image): the page asks only for itself and its feed.
    expect(new Set(requests.map((url) => new URL(url).pathname))).toEqual(new Set(['/preview', '/preview/feed']));
    expect(consoleErrors).toEqual([]);
  });
}, { resetEachTest: false }));
