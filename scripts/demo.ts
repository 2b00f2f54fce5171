/**
 * `npm run demo`: a guided local run with no Slack and no Stripe account. It imports a few accounts
 * with years of history into a throwaway embedded database, starts the bot in console mode, sends
 * signed webhooks for a loyal client's check and a new client's check of the same size, shows both
 * celebrations, a billing run gathered into a roll-up, a nudge and the weekly digest, then keeps the
 * bot running so its preview page shows all of them as Slack would, until Ctrl-C (`-- --exit` ends
 * the tour at once instead).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signGeneric } from '../src/ingest/generic-signature.js';

const exitAtEnd = process.argv.includes('--exit');

const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const secret = 'demo-webhook-secret-0123456789';
const DAY = 86_400_000;

function say(text: string): void {
  process.stdout.write(`\n\x1b[1m▶ ${text}\x1b[0m\n`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Four accounts (Nimbus Labs arrives later); Harbor Bakery has paid every month since March 2019. */
function writeHistory(dir: string, now: Date): { accounts: string; payments: string; touchpoints: string } {
  const accounts = join(dir, 'accounts.csv');
  writeFileSync(
    accounts,
    [
      'external_id,name,owner_email,owner_slack_id,tier',
      'harbor-bakery,Harbor Bakery,dana@example.com,U0DANA,gold',
      'northwind,Northwind Traders,lee@example.com,,',
      'acme,"Acme Co, Inc.",dana@example.com,U0DANA,',
      'globex,Globex,,,',
    ].join('\n'),
  );
  const rows = ['id,account_external_id,amount,currency,paid_at,memo'];
  const since = new Date(Date.UTC(2019, 2, 15, 15));
  let n = 0;
  for (let at = since; at.getTime() < now.getTime() - 20 * DAY; at = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 15, 15))) {
    rows.push(`harbor-${++n},harbor-bakery,1250.00,USD,${iso(at)},Monthly order`);
  }
  for (let i = 0; i < 30; i++) rows.push(`northwind-${i},northwind,${(900 + i * 10).toFixed(2)},EUR,${iso(new Date(now.getTime() - (30 - i) * 30 * DAY))},`);
  for (let i = 0; i < 6; i++) rows.push(`acme-${i},acme,4000.00,USD,${iso(new Date(now.getTime() - (200 - i * 30) * DAY))},Quarterly retainer`);
  const payments = join(dir, 'payments.csv');
  writeFileSync(payments, rows.join('\n'));
  const touchpoints = join(dir, 'touchpoints.csv');
  writeFileSync(
    touchpoints,
    [
      'id,account_external_id,kind,direction,occurred_at,note,by_email',
      `t1,acme,call,outbound,${iso(new Date(now.getTime() - 45 * DAY))},Checked in on the rollout,dana@example.com`,
      `t2,harbor-bakery,visit,outbound,${iso(new Date(now.getTime() - 6 * DAY))},Brought coffee,dana@example.com`,
      `t3,northwind,email,outbound,${iso(new Date(now.getTime() - 3 * DAY))},,lee@example.com`,
    ].join('\n'),
  );
  return { accounts, payments, touchpoints };
}

function runCli(args: string[], env: NodeJS.ProcessEnv): void {
  const result = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' });
  process.stdout.write(result.stdout);
  if (result.status !== 0) {
    process.stderr.write(result.stderr);
    throw new Error(`appreciation-bot ${args.join(' ')} failed (exit ${result.status})`);
  }
}

async function waitFor(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function sendPayment(port: number, payment: Record<string, unknown>): Promise<void> {
  const body = JSON.stringify(payment);
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await fetch(`http://127.0.0.1:${port}/webhooks/payments`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-webhook-timestamp': String(timestamp), 'x-webhook-signature': signGeneric(secret, timestamp, body) },
  });
  process.stdout.write(`  POST /webhooks/payments → ${res.status} ${await res.text()}\n`);
}

/** SIGTERM, and wait for the exit (Ctrl-C in a terminal may have reached the bot already). */
async function stopBot(bot: ChildProcess): Promise<void> {
  const exited = new Promise<number | null>((resolve) => {
    if (bot.exitCode !== null || bot.signalCode !== null) resolve(bot.exitCode);
    else bot.once('exit', (code) => resolve(code));
  });
  bot.kill('SIGTERM');
  process.stdout.write(`  exit status ${await exited}\n`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'appreciation-demo-'));
  const port = await freePort();
  const now = new Date();
  // CELEBRATION_BURST=2 so that a billing run of four payments shows the roll-up (the default is 10).
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: `pglite://${join(dir, 'db')}`, PORT: String(port), WEBHOOK_SECRET: secret, LOG_LEVEL: 'warn', TZ: 'UTC', CELEBRATION_BURST: '2' };
  let bot: ChildProcess | null = null;
  try {
    say('Importing four accounts and years of payment history (CSV import records history only: no celebrations)');
    const files = writeHistory(dir, now);
    runCli(['import', files.accounts], env);
    runCli(['import', files.payments], env);
    runCli(['import', files.touchpoints], env);

    say(`Starting the bot in console mode on a throwaway embedded database (port ${port}); watch http://localhost:${port}/preview as it goes`);
    let printed = '';
    bot = spawn(process.execPath, [cli, 'start'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    bot.stdout?.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      process.stdout.write(chunk);
    });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 'the bot to be ready');

    say('A $1,250.00 check from Harbor Bakery, a client since March 2019');
    await sendPayment(port, {
      id: `demo-check-harbor-${now.getTime()}`,
      account: { external_id: 'harbor-bakery', name: 'Harbor Bakery', owner_email: 'dana@example.com' },
      amount: '1250.00',
      currency: 'USD',
      paid_at: iso(now),
      memo: 'Check #4411',
    });
    say('The same $1,250.00 from Nimbus Labs, a brand-new client');
    await sendPayment(port, {
      id: `demo-check-nimbus-${now.getTime()}`,
      account: { external_id: 'nimbus', name: 'Nimbus Labs', owner_email: 'lee@example.com' },
      amount: '1250.00',
      currency: 'USD',
      paid_at: iso(now),
      memo: 'First invoice',
    });
    await waitFor(() => (printed.match(/message to /g) ?? []).length >= 2, 'both celebrations');

    say('A billing run: four more payments in the same minute. Past CELEBRATION_BURST (2 here) they wait to be gathered into one roll-up');
    const run: Array<[string, string, string, string]> = [
      ['northwind', 'Northwind Traders', '1180.00', 'EUR'],
      ['globex', 'Globex', '640.00', 'USD'],
      ['orbit-coffee', 'Orbit Coffee Roasters', '89.00', 'USD'],
      ['lumen', 'Lumen & Co', '2400.00', 'USD'],
    ];
    for (const [externalId, name, amount, currency] of run) {
      await sendPayment(port, { id: `demo-run-${externalId}-${now.getTime()}`, account: { external_id: externalId, name }, amount, currency, paid_at: iso(now), memo: 'Subscription renewal' });
    }
    await new Promise((r) => setTimeout(r, 1_500));

    say('Stopping the bot (SIGTERM: it finishes what is in flight and exits 0)');
    await stopBot(bot);
    bot = null;

    say('Five minutes on, the roll-up names every account of the run (run-job dispatch --now, so the demo need not wait)');
    // From the wall clock, not the demo's start: importing the history may have taken a minute.
    runCli(['run-job', 'dispatch', '--now', iso(new Date(Date.now() + 6 * 60_000))], env);

    say('Acme Co was last called 45 days ago: the quiet-account sweep nudges its owner');
    runCli(['run-job', 'nudges'], env);
    runCli(['run-job', 'dispatch'], env);

    say("The weekly digest: the week's new and returning clients, and who is waiting");
    runCli(['run-job', 'digest'], env);
    runCli(['run-job', 'dispatch'], env);

    say('Starting the bot again: its preview page shows every message above as Slack shows it');
    bot = spawn(process.execPath, [cli, 'start'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 'the bot to be ready');
    say(`Open http://localhost:${port}/preview to see them, live (a new payment shows within seconds).`);
    if (!exitAtEnd) {
      say('The bot keeps running for the preview; Ctrl-C ends the demo and deletes its database.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
    await stopBot(bot);
    bot = null;
    say('Done. Connect Slack (README) and these go to your channel and your reps’ DMs instead.');
  } finally {
    bot?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
