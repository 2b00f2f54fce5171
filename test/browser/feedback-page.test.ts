import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { testDatabaseAndSlackSuite, startTestBot, TEST_CHANNEL, type TestBot } from '../support/bot-harness.js';
import { describeInBrowser, launchChromium } from '../support/browser.js';
import { feedbackLink, TEST_FEEDBACK_SECRET } from '../support/feedback-client.js';
import { testEngines } from '../support/test-database.js';

/**
 * The customer's side in a real browser (Debian's Chromium): a phone-sized window, a tap on a
 * face, a comment, the thank-you page, and the answer in Slack; the same with JavaScript off and
 * by keyboard alone; dark mode readable; and the README's picture of the page.
 */

/** The README's picture: written there with UPDATE_SCREENSHOTS=1, else to a temporary folder. */
const SCREENSHOT = process.env.UPDATE_SCREENSHOTS
  ? fileURLToPath(new URL('../../docs/feedback-page.png', import.meta.url))
  : join(mkdtempSync(join(tmpdir(), 'ab-screens-')), 'feedback-page.png');

const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme: 'light' };

// Code that runs in the page is given as strings: this project's TypeScript has no DOM types.

/** WCAG contrast ratio of two `rgb(r, g, b)` colours. */
function contrast(a: string, b: string): number {
  const luminance = (rgb: string) => {
    const [r, g, bl] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describeInBrowser('the feedback page in Chromium', () => testDatabaseAndSlackSuite(testEngines()[0]!, (database, slack) => {
  let bot: TestBot;
  let browser: Browser;
  let context: BrowserContext | undefined;
  /** What the browser reported against the page's Content-Security-Policy: nothing, if it is right. */
  let cspReports: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  beforeEach(async () => {
    cspReports = [];
    bot = await startTestBot({ database, slack, env: { FEEDBACK_SECRET: TEST_FEEDBACK_SECRET } });
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
    await bot?.stop();
  });
  afterAll(async () => {
    await browser?.close();
  });

  const db = () => database.handle.db;

  async function acmeLink(): Promise<string> {
    const dana = await db().insertInto('owners').values({ slack_user_id: 'U0DANA', display_name: 'Dana' }).returning('id').executeTakeFirstOrThrow();
    const acme = await db().insertInto('accounts').values({ name: 'Harbor Bakery', owner_id: dana.id }).returning('id').executeTakeFirstOrThrow();
    return feedbackLink(bot.url, { accountId: acme.id, repId: dana.id }, new Date());
  }

  async function openIn(options: BrowserContextOptions, url: string): Promise<Page> {
    context = await browser.newContext(options);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspReports.push(message.text());
    });
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    return page;
  }

  it('a tap on a face, a comment, and the thank-you page; the praise reaches the team channel', async () => {
    const page = await openIn(PHONE, await acmeLink());
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('How did we do, Harbor Bakery?');
    // Five labelled choices, found by their labels as a screen reader announces them.
    for (const label of ['1 Very poor', '2 Poor', '3 Okay', '4 Good', '5 Excellent']) expect(await page.getByRole('radio', { name: label }).count()).toBe(1);
    // The stylesheet applied (its hash is in the CSP): the button wears the accent colour, not the browser's grey.
    expect(await page.evaluate<string>("getComputedStyle(document.querySelector('button[type=submit]')).backgroundColor")).toBe('rgb(31, 86, 209)');

    await page.getByText('Excellent').tap();
    expect(await page.getByRole('radio', { name: '5 Excellent' }).isChecked()).toBe(true);
    await page.getByLabel('Anything you would like to add? (optional)').fill('Dana sorted our order the same day. Thank you!');
    await page.getByRole('button', { name: 'Send my answer' }).tap();

    await page.getByRole('heading', { name: 'Thank you!' }).waitFor();
    expect(await page.textContent('body')).toContain('Your answer reached the team: 5 · Excellent.');
    const [praise] = await slack.waitFor('chat.postMessage', 1);
    expect(praise!.body.channel).toBe(TEST_CHANNEL);
    const blocks = JSON.stringify(praise!.body.blocks);
    expect(blocks).toContain('*Harbor Bakery* answered <@U0DANA>');
    expect(blocks).toContain('*5 · Excellent*');
    expect(blocks).toContain('Dana sorted our order the same day. Thank you!');
    expect(cspReports).toEqual([]);
  });

  it('works with JavaScript off and by keyboard alone', async () => {
    const page = await openIn({ ...PHONE, javaScriptEnabled: false }, await acmeLink());
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('score-1');
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('radio', { name: '2 Poor' }).isChecked()).toBe(true);
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('comment');
    await page.keyboard.type('The delivery came a day late.');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('Send my answer');
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { name: 'Thank you!' }).waitFor();
    expect(await page.textContent('body')).toContain('2 · Poor');
    const [alert] = await slack.waitFor('chat.postMessage', 1);
    expect(alert!.body.channel).toBe('U0DANA');
    expect(JSON.stringify(alert!.body.blocks)).toContain('The delivery came a day late.');
    const answer = await db().selectFrom('feedback_answers').selectAll().executeTakeFirstOrThrow();
    expect(answer).toMatchObject({ score: 2, comment: 'The delivery came a day late.' });
  });

  it('submitting without a choice is stopped by the browser itself, and nothing is recorded', async () => {
    const page = await openIn({ ...PHONE, javaScriptEnabled: false }, await acmeLink());
    await page.getByRole('button', { name: 'Send my answer' }).click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('How did we do, Harbor Bakery?');
    expect(await db().selectFrom('feedback_answers').selectAll().execute()).toHaveLength(0);
  });

  it.each([320, 360, 390, 768])('every label fits its tile on a screen %i pixels wide', async (width) => {
    const page = await openIn({ ...PHONE, viewport: { width, height: 800 } }, await acmeLink());
    const overflowing = await page.evaluate<string[]>(
      `[...document.querySelectorAll('.choice label span, h1, button, textarea')].filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent)`,
    );
    expect(overflowing).toEqual([]);
    // Nothing wider than the screen: no sideways scrolling on a phone.
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
    // Each word stays whole on its line (no "Excellen-t").
    const lines = await page.evaluate<Array<{ text: string; rects: number; words: number }>>(
      `[...document.querySelectorAll('.choice label span:last-child')].map((e) => {
        const range = document.createRange();
        range.selectNodeContents(e);
        return { text: e.textContent, rects: range.getClientRects().length, words: e.textContent.split(' ').length };
      })`,
    );
    for (const line of lines) expect(line.rects).toBeLessThanOrEqual(line.words);
  });

  it('is readable in dark mode', async () => {
    const page = await openIn({ ...PHONE, colorScheme: 'dark' }, await acmeLink());
    const colours = await page.evaluate<Record<'body' | 'card' | 'text' | 'muted' | 'label' | 'button' | 'buttonText', string>>(`(() => {
      const style = (selector) => getComputedStyle(document.querySelector(selector));
      return {
        body: style('body').backgroundColor,
        card: style('.card').backgroundColor,
        text: style('h1').color,
        muted: style('.muted').color,
        label: style('.choice label').color,
        button: style('button').backgroundColor,
        buttonText: style('button').color,
      };
    })()`);
    expect(colours.body).toBe('rgb(19, 21, 24)');
    expect(contrast(colours.text, colours.card)).toBeGreaterThanOrEqual(7);
    expect(contrast(colours.muted, colours.card)).toBeGreaterThanOrEqual(4.5);
    expect(contrast(colours.label, colours.card)).toBeGreaterThanOrEqual(7);
    expect(contrast(colours.buttonText, colours.button)).toBeGreaterThanOrEqual(4.5);
    expect(cspReports).toEqual([]);
  });

  it('renders the README picture: the page on a phone, a choice made and a comment typed', async () => {
    // As tall as the page itself, so the picture has no empty screen below it.
    const page = await openIn({ ...PHONE, viewport: { width: 390, height: 600 } }, `${await acmeLink()}?score=5`);
    await page.getByLabel('Anything you would like to add? (optional)').fill('Dana sorted our order the same day. Thank you!');
    await page.getByLabel('Anything you would like to add? (optional)').blur();
    const png = await page.screenshot({ fullPage: true });
    writeFileSync(SCREENSHOT, png);
    // A PNG, as wide as the phone at 2× (its width is bytes 16–19 of the IHDR chunk).
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(780);
    // Opening it, even pre-selected, recorded nothing.
    expect(await db().selectFrom('feedback_answers').selectAll().execute()).toHaveLength(0);
  });
}));
