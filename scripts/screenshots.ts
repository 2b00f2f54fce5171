/**
 * `npm run screenshots`: the README's pictures, from a real demo run. Runs `npm run demo`'s script,
 * opens the preview page it prints in headless Chromium (Debian's, as the browser tests use it) and
 * writes one PNG per message into docs/. Needs `apt-get install -y chromium fonts-noto-color-emoji
 * fonts-lato` (without the fonts, emoji are drawn as empty boxes); CHROMIUM_PATH overrides the path.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';

const demo = fileURLToPath(new URL('./demo.js', import.meta.url));
const docs = fileURLToPath(new URL('../../docs/', import.meta.url));
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** What each picture shows: a card of the preview page, found by its text or id. */
const SHOTS: Array<{ file: string; selector: string; hasText?: string }> = [
  { file: 'preview-celebration-loyal.png', selector: 'article.msg', hasText: '$1,250.00 from Harbor Bakery' },
  { file: 'preview-celebration-new.png', selector: 'article.msg', hasText: '$1,250.00 from Nimbus Labs' },
  { file: 'preview-rollup.png', selector: 'article.msg', hasText: 'payments just came in' },
  { file: 'preview-nudge.png', selector: 'article.msg', hasText: 'has gone quiet' },
  { file: 'preview-digest.png', selector: 'article.msg', hasText: 'Weekly digest' },
  { file: 'preview-app-home.png', selector: 'article.home-card' },
];

function startDemo(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [demo], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    let printed = '';
    child.stdout.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      process.stdout.write(chunk);
      const match = /Open (http:\/\/localhost:\d+\/preview)/.exec(printed);
      if (match) {
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        resolve({
          url: match[1]!,
          stop: async () => {
            child.kill('SIGINT');
            await exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`the demo ended (exit ${code}) before printing the preview's address`)));
  });
}

async function shoot(page: Page, shot: (typeof SHOTS)[number]): Promise<void> {
  const card = page.locator(shot.selector, shot.hasText ? { hasText: shot.hasText } : {}).first();
  await card.waitFor({ state: 'visible', timeout: 10_000 });
  const path = join(docs, shot.file);
  await card.screenshot({ path, animations: 'disabled' });
  process.stdout.write(`  wrote docs/${shot.file}\n`);
}

async function main(): Promise<void> {
  mkdirSync(docs, { recursive: true });
  const run = await startDemo();
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // As test/support/browser.ts: root without a sandbox, no GPU, nothing fetched in the background.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 860, height: 1400 }, deviceScaleFactor: 2 });
    await page.goto(run.url);
    for (const shot of SHOTS) await shoot(page, shot);
  } finally {
    await browser.close();
    await run.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`screenshots failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
